"""`tools/train.py --no-validate` trains without a validation loop."""
import torch

from mmlkd_testing import TINY_DEMO, run_tool


def test_no_validate_trains_the_same_without_validating(
        tiny_teacher_ckpt, tmp_path):
    proc = run_tool([
        'tools/train.py', 'configs/demo/teacher.py', '--work-dir',
        str(tmp_path), '--no-validate', '--cfg-options'
    ] + TINY_DEMO)
    log = proc.stdout + proc.stderr
    assert 'Epoch(train) [1][3/3]' in log
    assert 'Epoch(val) [' not in log and 'multi-label/mAP: ' not in log
    assert not list(tmp_path.glob('best_*.pth'))
    # The validated run (the fixture, same options) trained identically:
    # validation leaves the training random streams alone.
    a = torch.load(
        tiny_teacher_ckpt, map_location='cpu', weights_only=True)['state_dict']
    b = torch.load(
        tmp_path / 'epoch_1.pth', map_location='cpu',
        weights_only=True)['state_dict']
    assert all(torch.equal(a[k], b[k]) for k in a)
