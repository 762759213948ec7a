"""tools/slurm_train.sh and tools/slurm_test.sh with a fake ``srun``.

The fake ``srun`` records its argument vector, then runs the command once as
a single process. mmengine's slurm launcher needs CUDA and ``scontrol``, so
the fake one swaps ``--launcher=slurm`` for ``--launcher=none`` (only after
recording it): the run checks that config, work dir, checkpoint and the extra
arguments reach the tool, the record checks srun's options exactly.
"""
import os
import pickle
import stat
import sys

import pytest

from mmlkd_testing import ROOT, TINY_DEMO, run_tool

FAKE_SRUN = r'''#!/usr/bin/env bash
printf '%s\0' "$@" > "$FAKE_SRUN_LOG"
while [ $# -gt 0 ]; do
    case "$1" in
        -p) shift 2 ;;
        -*) shift ;;
        *) break ;;
    esac
done
cmd=()
for a in "$@"; do
    [ "$a" = "--launcher=slurm" ] && a="--launcher=none"
    cmd+=("$a")
done
exec "${cmd[@]}"
'''

SRUN_OPTIONS = [
    '-p', 'gpu-part', '--job-name=kd job', '--gres=gpu:2', '--ntasks=4',
    '--ntasks-per-node=2', '--cpus-per-task=3', '--kill-on-bad-exit=1',
    '--quotatype=auto', '--exclusive'
]


@pytest.fixture
def fake_srun(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN)
    srun.chmod(srun.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / 'srun_args'
    env = dict(
        PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
        FAKE_SRUN_LOG=str(log),
        GPUS='4',
        GPUS_PER_NODE='2',
        CPUS_PER_TASK='3',
        SRUN_ARGS='--quotatype=auto --exclusive')

    def recorded():
        return log.read_bytes().decode().split('\0')[:-1]

    return env, recorded


def _tool(name):
    return os.path.realpath(os.path.join(ROOT, 'tools', name))


def test_slurm_train_passes_srun_options_and_trains(fake_srun, tmp_path):
    env, recorded = fake_srun
    work = tmp_path / 'work'
    run_tool(
        [
            'tools/slurm_train.sh', 'gpu-part', 'kd job',
            'configs/demo/student_alone.py',
            str(work), '--cfg-options'
        ] + TINY_DEMO,
        env_extra=env)
    argv = recorded()
    assert argv[:len(SRUN_OPTIONS)] == SRUN_OPTIONS
    command = argv[len(SRUN_OPTIONS):]
    assert command[0] == sys.executable and command[1] == '-u'
    assert os.path.realpath(command[2]) == _tool('train.py')
    assert command[3:] == [
        'configs/demo/student_alone.py', f'--work-dir={work}',
        '--launcher=slurm', '--cfg-options'
    ] + TINY_DEMO
    assert (work / 'epoch_1.pth').is_file()


def test_slurm_test_passes_checkpoint_and_args(fake_srun, tmp_path,
                                               tiny_teacher_ckpt):
    env, recorded = fake_srun
    out = tmp_path / 'preds.pkl'
    extra = ['--out',
             str(out), '--work-dir',
             str(tmp_path), '--cfg-options'] + TINY_DEMO
    run_tool(
        [
            'tools/slurm_test.sh', 'gpu-part', 'kd job',
            'configs/demo/teacher.py', tiny_teacher_ckpt
        ] + extra,
        env_extra=env)
    argv = recorded()
    assert argv[:len(SRUN_OPTIONS)] == SRUN_OPTIONS
    command = argv[len(SRUN_OPTIONS):]
    assert os.path.realpath(command[2]) == _tool('test.py')
    assert command[3:] == [
        'configs/demo/teacher.py', tiny_teacher_ckpt, '--launcher=slurm'
    ] + extra
    with open(out, 'rb') as f:
        assert len(pickle.load(f)) == 32


@pytest.mark.parametrize('script',
                         ['tools/slurm_train.sh', 'tools/slurm_test.sh'])
def test_missing_arguments_print_usage(script, fake_srun):
    env, _ = fake_srun
    proc = run_tool([script, 'gpu-part', 'job'], env_extra=env, check=False)
    assert proc.returncode == 2
    assert 'usage:' in proc.stderr
