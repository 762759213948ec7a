"""Helpers shared by the tests (importable: tests/ is on pytest's
pythonpath)."""
import os
import subprocess
import sys
from typing import List

import mmlkd  # noqa: F401  (applies mmlkd.compat for checkpoint loading)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Small enough that a train/val/test round trip takes seconds on 2 cores.
TINY_DEMO = [
    'train_dataloader.dataset.num_images=48',
    'global_batch_size=16',  # per process: 16 / number of processes
    'val_dataloader.dataset.num_images=32',
    'val_dataloader.batch_size=16',
    'test_dataloader.dataset.num_images=32',
    'test_dataloader.batch_size=16',
    'train_cfg.max_epochs=1',
    'train_cfg.val_interval=1',
    'default_hooks.logger.interval=1',
]


def run_tool(args: List[str],
             timeout: int = 300,
             env_extra=None,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run a repo tool (python script or shell script) from the repo root."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    env['PYTHON'] = sys.executable
    if env_extra:
        env.update(env_extra)
    cmd = (['bash'] +
           args) if args[0].endswith('.sh') else [sys.executable] + args
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def load_tool(path: str):
    """A tool script, e.g. ``tools/train.py``, as a module, to call its
    ``main(argv)`` in-process: seconds cheaper than a subprocess. Each call
    loads a fresh module."""
    import importlib.util
    name = 'mmlkd_tool_' + path.replace('/', '_').removesuffix('.py')
    spec = importlib.util.spec_from_file_location(name,
                                                  os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
