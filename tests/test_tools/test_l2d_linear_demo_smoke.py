"""CPU smoke run of L2D on linear heads (MLD + LED through
LabelEmbeddingConnector) on the demo data."""
import re

import torch

from mmlkd_testing import TINY_DEMO, run_tool


def test_demo_l2d_linear_trains(tiny_teacher_ckpt, tmp_path):
    work = tmp_path / 'l2d_linear'
    proc = run_tool([
        'tools/train.py', 'configs/l2d/demo_l2d_linear.py', '--work-dir',
        str(work), '--cfg-options', f'model.teacher_ckpt={tiny_teacher_ckpt}'
    ] + TINY_DEMO)
    log = proc.stdout + proc.stderr
    led = [
        float(v) for v in re.findall(r'distill\.loss_led: ([0-9.e+-]+)', log)
    ]
    mld = [
        float(v) for v in re.findall(r'distill\.loss_mld: ([0-9.e+-]+)', log)
    ]
    assert led and mld, log[-2000:]
    # Demo images hold several shapes: some sets have >= 3 members.
    assert any(v > 0 for v in led), led
    # The student's projection is a trained part of the distiller and is
    # saved with the checkpoint.
    state = torch.load(
        work / 'epoch_1.pth', map_location='cpu',
        weights_only=True)['state_dict']
    assert tuple(
        state['distiller.connectors.emb_s.proj.weight'].shape) == (128, 64)
