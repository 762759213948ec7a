"""Workers end with their launcher; collectives time out instead of hanging;
both spellings of the launcher's local-rank flag are accepted."""
import argparse
import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from mmengine.config import Config

from mmlkd.utils.launch import add_local_rank_argument, dist_timeout
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
