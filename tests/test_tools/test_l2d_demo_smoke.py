"""CPU smoke run of L2D on the demo data: ML-Decoder teacher, then MLD +
LED."""
import re

import torch

from mmlkd_testing import TINY_DEMO, run_tool


def _map(log: str, teacher: bool) -> float:
    """Last mAP logged for the student (or, in a distillation, the teacher)."""
    found = [
        float(v) for k, v in re.findall(r'(\S*mAP): ([0-9.]+)', log)
        if k.startswith('teacher.') == teacher
    ]
    assert found, f'no mAP in the log:\n{log[-2000:]}'
    return found[-1]


def test_demo_l2d_trains_from_an_mldecoder_teacher(tmp_path):
    teacher_dir = tmp_path / 'teacher'
    proc = run_tool([
        'tools/train.py', 'configs/demo/teacher_mldecoder.py', '--work-dir',
        str(teacher_dir), '--cfg-options'
    ] + TINY_DEMO)
    teacher_map = _map(proc.stdout + proc.stderr, teacher=False)
    ckpt = teacher_dir / 'epoch_1.pth'
    state = torch.load(
        ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert tuple(state['head.query_embed'].shape) == (16, 128)

    proc = run_tool([
        'tools/train.py', 'configs/l2d/demo_l2d.py', '--work-dir',
        str(tmp_path / 'l2d'), '--cfg-options', f'model.teacher_ckpt={ckpt}'
    ] + TINY_DEMO)
    log = proc.stdout + proc.stderr
    assert 'distill.loss_mld' in log and 'distill.loss_led' in log
    # The loaded teacher scores exactly as it did at the end of its training
    # (same weights, same fixed queries, no dropout in eval).
    assert abs(_map(log, teacher=True) - teacher_map) < 1e-3
