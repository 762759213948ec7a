"""A diverging run stops at the first non-finite loss; finite checkpoints
stay."""
import os
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from mmlkd.engine import FiniteLossHook, NonFiniteLossError
from mmlkd_testing import ROOT, TINY_DEMO, run_tool

# SGD at a sane rate for two epochs, then x1e14: the demo student diverges
# within epoch 3 (the loss is nan at its third iteration).
DIVERGING = """
_base_ = [{base!r}]
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=1e14)
]
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))
"""


def test_divergence_stops_with_the_loss_named_and_keeps_checkpoints(
        tiny_teacher_ckpt, tmp_path):
    config = tmp_path / 'diverging.py'
    config.write_text(
        DIVERGING.format(base=os.path.join(ROOT, 'configs/demo/mld.py')))
    work = tmp_path / 'work'
    proc = run_tool(
        [
            'tools/train.py',
            str(config), '--work-dir',
            str(work), '--cfg-options'
        ] + TINY_DEMO +
        ['train_cfg.max_epochs=5', f'model.teacher_ckpt={tiny_teacher_ckpt}'],
        check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    assert 'NonFiniteLossError: non-finite loss at epoch 3, iteration' in log
    assert 'student.loss=nan' in log or 'distill.loss_mld=nan' in log
    assert 'Epoch(train) [4]' not in log  # stopped at once
    # max_keep_ckpts=1 kept the last finite checkpoint; nothing later exists.
    assert sorted(p.name for p in work.glob('epoch_*.pth')) == ['epoch_2.pth']
    with open(work / 'last_checkpoint') as f:
        assert f.read().strip() == str(work / 'epoch_2.pth')
    assert 'the last checkpoint written is ' + str(work / 'epoch_2.pth') in log
    state = torch.load(
        work / 'epoch_2.pth', map_location='cpu',
        weights_only=True)['state_dict']
    assert all(
        torch.isfinite(t).all() for t in state.values()
        if t.is_floating_point())


def _runner(last_ckpt=None):
    hub = MessageHub.get_instance('finite_loss_hook_test')
    hub.update_info('last_ckpt', last_ckpt)
    model = torch.nn.Linear(2, 2)
    return SimpleNamespace(
        epoch=1, iter=7, message_hub=hub, model=model, hooks=[])


def test_names_each_non_finite_term():
    hook = FiniteLossHook()
    outputs = dict(
        loss=torch.tensor(float('nan')),
        **{
            'student.loss': torch.tensor(1.0),
            'distill.loss_a': torch.tensor(float('inf')),
            'distill.loss_b': torch.tensor(float('nan')),
            'student.accuracy': torch.tensor(float('nan'))
        })
    with pytest.raises(NonFiniteLossError) as info:
        hook.after_train_iter(_runner('/w/epoch_1.pth'), 1, outputs=outputs)
    msg = str(info.value)
    assert 'epoch 2, iteration 2 of the epoch (global iteration 8)' in msg
    assert 'distill.loss_a=inf, distill.loss_b=nan.' in msg
    assert 'student.loss=' not in msg and 'accuracy' not in msg
    assert '/w/epoch_1.pth' in msg
    # Only the total overflowed: it is named.
    with pytest.raises(NonFiniteLossError, match=r': loss=inf\.'):
        hook.after_train_iter(
            _runner(),
            0,
            outputs=dict(
                loss=torch.tensor(float('inf')), a_loss=torch.tensor(3e38)))
    # Finite losses pass.
    hook.after_train_iter(
        _runner(),
        0,
        outputs=dict(loss=torch.tensor(1.0), a_loss=torch.tensor(1.0)))


def test_non_finite_weights_stop_before_the_checkpoint_hook():
    from mmengine.hooks import CheckpointHook
    runner = _runner()
    runner.hooks = [CheckpointHook(interval=1)]
    FiniteLossHook().after_train_epoch(runner)
    with torch.no_grad():
        runner.model.bias[0] = float('inf')
    with pytest.raises(NonFiniteLossError, match=r"end of epoch 2.*'bias'"):
        FiniteLossHook().after_train_epoch(runner)
