"""Launch policy, shared by tools/train.py and tools/test.py: command-line
arguments, the world size of a launch, the CPU stand-ins for what needs a GPU
(gloo process group, SyncBN), workers tied to their launcher, and the
recipe applied before the Runner is built."""
import argparse
import ctypes
import datetime
import os
import signal
import sys
from typing import Mapping, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

from .errors import ConfigError
from .recipe import CPU_SYNC_BN_WRAPPER, BatchPlan, apply_recipe


def add_local_rank_argument(parser: argparse.ArgumentParser) -> None:
    """Accept both ``--local-rank`` and ``--local_rank``.

    Upstream problem: ``torchrun`` / ``torch.distributed.launch`` (torch >= 2)
    pass ``--local-rank`` while OpenMMLab tools were written for
    ``--local_rank``. Both spellings land in ``args.local_rank``.
    """
    parser.add_argument(
        '--local_rank', '--local-rank', type=int, default=0, dest='local_rank')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.teacher_ckpt=PATH')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (dist_train.sh / dist_test.sh use pytorch)')
    add_local_rank_argument(parser)


def load_config(path: str, args: argparse.Namespace) -> Config:
    """Parse a config with mmlkd's fixes applied and the CLI overrides
    merged."""
    import mmlkd.compat
    mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases need it
    if not os.path.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    if args.cfg_options is not None:
        from .config_checks import check_cfg_option_keys
        check_cfg_option_keys(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        name = os.path.splitext(os.path.basename(path))[0]
        cfg.work_dir = os.path.join('./work_dirs', name)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return cfg


# linux/prctl.h
_PR_SET_PDEATHSIG = 1


def end_with_launcher(sig: int = signal.SIGTERM) -> bool:
    """Have the kernel stop this worker when its launcher process dies.

    torchrun's workers are its children; when torchrun (or the shell
    running ``dist_train.sh``) is killed with SIGKILL it cannot stop them,
    and they would go on training under PID 1 and writing checkpoints into
    the work dir, also while a new run resumes there. ``PR_SET_PDEATHSIG``
    sends ``sig`` to this process as soon as its parent exits. Linux only;
    elsewhere nothing is done.

    Args:
        sig: the signal to receive. Defaults to ``signal.SIGTERM``.

    Returns:
        bool: whether the kernel took the request.
    """
    if not sys.platform.startswith('linux'):
        return False
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    # The launcher may have died before the request was made.
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)
    return True


def dist_timeout(cfg: Config) -> datetime.timedelta:
    """The collective timeout: ``env_cfg.dist_cfg.timeout`` seconds.

    A stopped or dead worker leaves the others waiting in a collective;
    after this long they fail with an error instead of hanging.
    """
    seconds = (cfg.get('env_cfg') or {}).get('dist_cfg',
                                             {}).get('timeout', 1800)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or seconds <= 0:
        raise ValueError('env_cfg.dist_cfg.timeout must be a positive number '
                         f'of seconds, got {seconds!r}')
    return datetime.timedelta(seconds=seconds)


def setup_cpu_distributed(cfg: Config) -> Optional[str]:
    """Run ``--launcher pytorch`` on machines without a GPU.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and fails
    without CUDA. Under any ``--launcher pytorch`` the worker is first tied
    to its launcher (:func:`end_with_launcher`). Here the process group is
    created with gloo (and ``env_cfg.dist_cfg.timeout``) before the
    Runner is built (the Runner then skips its own init), and DDP is wrapped
    with ``device_ids=None`` as CPU modules require. Returns the backend used,
    or None when nothing was done.
    """
    if cfg.launcher == 'pytorch':
        end_with_launcher()
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return None
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', timeout=dist_timeout(cfg))
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    return 'gloo'


def build_runner(cfg: Config, config_path: str):
    """Build the config's runner type, mmlkd's ``LKDRunner`` by default.

    Every mmlkd config names ``LKDRunner`` (``default_runtime.py``); a
    config that names none gets it too, so a checkpoint is never resumed by
    mmengine's plain Runner, which executes the config text stored in it.
    A config naming an unknown type fails here, before any data is loaded;
    the error is re-raised with the config file named.
    """
    from mmengine.registry import RUNNERS

    import mmlkd.engine  # noqa: F401  (registers LKDRunner)
    try:
        if 'runner_type' not in cfg:
            cfg.runner_type = 'LKDRunner'
        return RUNNERS.build(cfg)
    except KeyError as e:
        msg = e.args[0] if e.args else str(e)
        if 'registry' in str(msg):
            raise KeyError(f'{config_path}: {msg}') from e
        raise


# Environment variables that hold the world size, per launcher (the ones
# mmengine.dist.init_dist reads for the same launchers).
_WORLD_SIZE_ENV = {
    'pytorch': 'WORLD_SIZE',
    'slurm': 'SLURM_NTASKS',
    'mpi': 'OMPI_COMM_WORLD_SIZE',
}


def launch_world_size(launcher: str,
                      environ: Optional[Mapping[str, str]] = None) -> int:
    """Number of training processes of this launch, before any is started.

    The per-process batch must be known when the Runner is built, before the
    process group exists, so it is read from the launcher's environment.
    """
    environ = os.environ if environ is None else environ
    if launcher in (None, 'none'):
        return 1
    if launcher not in _WORLD_SIZE_ENV:
        raise ConfigError(f'unknown launcher {launcher!r}; expected one of '
                          f'none, {", ".join(_WORLD_SIZE_ENV)}')
    var = _WORLD_SIZE_ENV[launcher]
    value = environ.get(var)
    if value is None or not value.isdigit() or int(value) < 1:
        raise ConfigError(
            f'--launcher {launcher}: the environment variable {var} should '
            f'hold the number of processes, got {value!r}; start the run '
            'with tools/dist_train.sh (torchrun) or the matching launcher')
    return int(value)


def sync_bn_without_cuda(cfg: Config, cuda_available: bool,
                         world_size: int) -> Optional[str]:
    """Keep ``sync_bn``'s meaning where no GPU is visible; returns a note.

    ``torch.nn.SyncBatchNorm`` refuses CPU tensors, and mmengine converts the
    model whenever training is distributed (gloo on CPU included). On the CPU
    the key is therefore removed, and a launch of several processes wraps
    the model in :class:`~mmlkd.engine.CPUSyncBNDistributedDataParallel`
    instead: its BatchNorm layers all-reduce their statistics over gloo, so
    the processes train what one process holding the global batch trains.
    """
    if cuda_available or cfg.get('sync_bn') is None:
        return None
    mode = cfg.pop('sync_bn')
    if world_size <= 1:
        return (f'sync_bn={mode!r} idle: one process already normalises '
                'over the whole batch')
    from mmengine.model import MMDistributedDataParallel
    from mmengine.registry import MODEL_WRAPPERS
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wtype = wrapper.get('type', 'MMDistributedDataParallel')
    # Only plain DDP can become the CPU SyncBN wrapper; any other wrapper
    # would lose what it adds. (The wrapper is looked up by its registered
    # name: importing mmlkd.engine here would close an import circle.)
    if MODEL_WRAPPERS.get(wtype) not in (
            MMDistributedDataParallel,
            MODEL_WRAPPERS.get(CPU_SYNC_BN_WRAPPER)):
        raise ConfigError(
            f'sync_bn={mode!r} on {world_size} CPU processes needs '
            f'{CPU_SYNC_BN_WRAPPER} (torch.nn.SyncBatchNorm needs GPU '
            f'tensors), but model_wrapper_cfg.type is {wtype!r}: remove '
            'one of the two')
    wrapper['type'] = CPU_SYNC_BN_WRAPPER
    cfg.model_wrapper_cfg = wrapper
    return (f'sync_bn={mode!r} on the CPU: BatchNorm statistics all-reduced '
            f'over the {world_size} gloo processes (CPUSyncBatchNorm), as '
            'torch.nn.SyncBatchNorm needs GPU tensors')


def prepare_launch(cfg: Config,
                   cuda_available: Optional[bool] = None) -> BatchPlan:
    """What ``tools/train.py`` does with the recipe before building the Runner.

    Derives the per-process batch for ``cfg.launcher``'s world size (see
    :func:`apply_recipe`), replaces ``sync_bn`` on machines without CUDA
    (:func:`sync_bn_without_cuda`) and
    adds :class:`~mmlkd.engine.RecipeCardHook`, which logs the card (with
    those changes as notes) before the first iteration.
    """
    if cuda_available is None:
        import torch
        cuda_available = torch.cuda.is_available()
    plan = apply_recipe(cfg, launch_world_size(cfg.get('launcher', 'none')))
    notes = []
    note = sync_bn_without_cuda(cfg, cuda_available, plan.world_size)
    if note:
        notes.append(note)
    hooks = list(cfg.get('custom_hooks') or [])
    hooks.append(dict(type='RecipeCardHook', notes=notes))
    cfg.custom_hooks = hooks
    return plan
