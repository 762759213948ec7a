"""Launch policy (mmlkd.utils.launch): workers end with their launcher,
collectives time out instead of hanging, both spellings of the local-rank
flag, the world size from the launcher, SyncBN on CPU processes and the
recipe applied at launch."""
import argparse
import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from mmengine.config import Config

from mmlkd.utils.errors import ConfigError
from mmlkd.utils.launch import (add_local_rank_argument, dist_timeout,
                                launch_world_size, prepare_launch,
                                sync_bn_without_cuda)
from mmlkd.utils.recipe import CPU_SYNC_BN_WRAPPER, build_recipe_card
from mmlkd_testing import ROOT

# A "launcher" that starts a worker and then waits forever; the worker ties
# itself to the launcher, as tools/train.py does under --launcher pytorch.
LAUNCHER = r'''
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, '-c', """
import sys, time
sys.path.insert(0, %r)
from mmlkd.utils.launch import end_with_launcher
assert end_with_launcher()
print('ready', flush=True)
time.sleep(120)
"""], stdout=subprocess.PIPE, text=True)
print(worker.pid, flush=True)
assert worker.stdout.readline().strip() == 'ready'
print('ready', flush=True)
time.sleep(120)
'''


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by init) counts as ended.
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.skipif(
    not sys.platform.startswith('linux'),
    reason='PR_SET_PDEATHSIG is Linux only')
def test_worker_ends_when_launcher_is_killed():
    launcher = subprocess.Popen([sys.executable, '-c', LAUNCHER % ROOT],
                                stdout=subprocess.PIPE,
                                text=True)
    try:
        worker = int(launcher.stdout.readline())
        assert launcher.stdout.readline().strip() == 'ready'
        assert _alive(worker)
        launcher.send_signal(signal.SIGKILL)  # no chance to clean up
        launcher.wait()
        deadline = time.time() + 10
        while _alive(worker) and time.time() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), 'the worker outlived its launcher'
    finally:
        launcher.kill()
        try:
            os.kill(worker, signal.SIGKILL)
        except (ProcessLookupError, NameError):
            pass


def test_collective_timeout_is_the_configs():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/demo/teacher.py'))
    assert dist_timeout(cfg) == datetime.timedelta(seconds=1800)
    cfg.env_cfg.dist_cfg.timeout = 60
    assert dist_timeout(cfg) == datetime.timedelta(seconds=60)
    for bad in (0, -5, 'ten', True):
        cfg.env_cfg.dist_cfg.timeout = bad
        with pytest.raises(ValueError, match='env_cfg.dist_cfg.timeout'):
            dist_timeout(cfg)


@pytest.mark.parametrize('flag', ['--local-rank', '--local_rank'])
def test_local_rank_both_spellings(flag):
    parser = argparse.ArgumentParser()
    add_local_rank_argument(parser)
    assert parser.parse_args([flag, '3']).local_rank == 3
    assert parser.parse_args([f'{flag}=1']).local_rank == 1


L2D_COCO = f'{ROOT}/configs/l2d/r101_to_r18_coco.py'


def _cfg(path: str = L2D_COCO) -> Config:
    return Config.fromfile(path)


def test_launch_world_size_reads_the_launcher_environment():
    assert launch_world_size('none', {}) == 1
    assert launch_world_size('pytorch', {'WORLD_SIZE': '8'}) == 8
    assert launch_world_size('slurm', {'SLURM_NTASKS': '2'}) == 2
    with pytest.raises(ConfigError, match='WORLD_SIZE should hold'):
        launch_world_size('pytorch', {})


# --- point 2: SyncBN on GPU recipes, all-reduced over gloo on the CPU ------


def test_sync_bn_without_cuda_becomes_the_cpu_sync_bn_wrapper():
    cfg = _cfg()
    assert cfg.sync_bn == 'torch'
    # With CUDA, mmengine's own conversion (torch.nn.SyncBatchNorm) stays.
    assert sync_bn_without_cuda(cfg, cuda_available=True, world_size=2) is None
    assert cfg.sync_bn == 'torch' and 'model_wrapper_cfg' not in cfg
    # CPU, one process: nothing to synchronise, the key goes.
    one = _cfg()
    assert 'idle' in sync_bn_without_cuda(one, False, world_size=1)
    assert 'sync_bn' not in one and 'model_wrapper_cfg' not in one
    # CPU, two processes: mmlkd's wrapper, other wrapper settings kept.
    cfg.model_wrapper_cfg = dict(find_unused_parameters=True)
    note = sync_bn_without_cuda(cfg, cuda_available=False, world_size=2)
    assert 'sync_bn' not in cfg and 'CPUSyncBatchNorm' in note
    assert cfg.model_wrapper_cfg == dict(
        type='CPUSyncBNDistributedDataParallel', find_unused_parameters=True)
    # A wrapper of another kind cannot carry it: a clear error, not a
    # silent per-process BatchNorm.
    other = _cfg()
    other.model_wrapper_cfg = dict(type='MMFullyShardedDataParallel')
    with pytest.raises(
            ConfigError, match='MMFullyShardedDataParallel.*remove'):
        sync_bn_without_cuda(other, cuda_available=False, world_size=2)


def test_prepare_launch_sets_the_batch_and_adds_the_card_hook(monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '2')
    cfg = _cfg()
    cfg.launcher = 'pytorch'
    plan = prepare_launch(cfg, cuda_available=False)
    assert cfg.train_dataloader.batch_size == plan.per_process == 32
    hook = cfg.custom_hooks[-1]
    assert hook['type'] == 'RecipeCardHook'
    assert 'all-reduced over the 2 gloo processes' in hook['notes'][0]
    assert cfg.model_wrapper_cfg['type'] == CPU_SYNC_BN_WRAPPER
    card = build_recipe_card(cfg, plan, 'l2d', notes=hook['notes'])
    assert 'SyncBN' in '\n'.join(card.lines())
