"""kill -9 in the middle of an epoch, `--resume`: the same run as unbroken."""
import os
import re

import pytest
import torch

from mmlkd_testing import ROOT, TINY_DEMO, run_tool

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 2


def _student_maps(log: str) -> dict:
    """Epoch -> the student's mAP (the teacher's key is
    `teacher.multi-label/mAP`)."""
    found = re.findall(
        r'Epoch\(val\) \[(\d+)\]\[\d+/\d+\]\s+multi-label/mAP: ([0-9.]+)', log)
    return {int(e): float(v) for e, v in found}


def _final_student_map(log: str) -> float:
    maps = _student_maps(log)
    assert EPOCHS in maps, log[-3000:]
    return maps[EPOCHS]


def _train(work,
           teacher_ckpt,
           options=(),
           args=(),
           config='configs/demo/mld.py',
           check=True,
           env_extra=None):
    return run_tool(
        ['tools/train.py', config, '--work-dir',
         str(work)] + list(args) + ['--cfg-options'] + TINY_DEMO + [
             f'train_cfg.max_epochs={EPOCHS}',
             f'model.teacher_ckpt={teacher_ckpt}'
         ] + list(options),
        check=check,
        env_extra=env_extra)


def _weights(path):
    return torch.load(
        path, map_location='cpu', weights_only=True)['state_dict']


@pytest.mark.parametrize('num_workers', [0, 2])
def test_kill_mid_epoch_and_resume_equals_unbroken(tiny_teacher_ckpt, tmp_path,
                                                   num_workers):
    workers = [f'train_dataloader.num_workers={num_workers}']
    unbroken = _train(tmp_path / 'unbroken', tiny_teacher_ckpt, workers)
    # TINY_DEMO: 48 images / 16 = 3 iterations an epoch; iteration 5 is the
    # second of epoch 2, so the last checkpoint is epoch_1.pth.
    killer = tmp_path / 'killed.py'
    killer.write_text(
        f"_base_ = [{os.path.join(ROOT, 'configs/demo/mld.py')!r}]\n"
        "custom_imports = dict(imports=['mmlkd', 'sigkill_hook'], "
        'allow_failed_imports=False)\n'
        "custom_hooks = [dict(type='SigkillAtIterHook', at_iter=5)]\n")
    work = tmp_path / 'broken'
    env = dict(PYTHONPATH=os.pathsep.join([ROOT, HERE]))
    killed = _train(
        work,
        tiny_teacher_ckpt,
        workers,
        config=str(killer),
        check=False,
        env_extra=env)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert 'Epoch(train) [2][1/3]' in killed.stdout + killed.stderr
    assert sorted(p.name for p in work.glob('epoch_*.pth')) == ['epoch_1.pth']

    resumed = _train(work, tiny_teacher_ckpt, workers, args=['--resume'])
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 1' in log
    assert 'restored the random generator states' in log
    # Exactly the unbroken run: the same weights and the same mAP.
    unbroken_log = unbroken.stdout + unbroken.stderr
    unbroken_map = _final_student_map(unbroken_log)
    print(f'num_workers={num_workers}: final student mAP unbroken '
          f'{unbroken_map}, killed and resumed {_final_student_map(log)}')
    assert _final_student_map(log) == unbroken_map
    a, b = _weights(tmp_path / 'unbroken' / f'epoch_{EPOCHS}.pth'), _weights(
        work / f'epoch_{EPOCHS}.pth')
    _check_best_checkpoint_is_the_students(unbroken_log, tmp_path / 'unbroken')
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def _check_best_checkpoint_is_the_students(log, work):
    """save_best tracks the student's mAP, not `teacher.multi-label/mAP`."""
    maps = _student_maps(log)
    assert sorted(maps) == list(range(1, EPOCHS + 1))
    # mmengine replaces the best only on a strictly greater score.
    best_epoch = max(maps, key=lambda e: (maps[e], -e))
    assert [p.name for p in work.glob('best_*.pth')
            ] == [f'best_multi-label_mAP_epoch_{best_epoch}.pth']
    assert (f'The best checkpoint with {maps[best_epoch]:.4f} '
            'multi-label/mAP') in log
