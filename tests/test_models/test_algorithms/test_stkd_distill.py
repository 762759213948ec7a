"""STKDDistill: one mixed batch for teacher and student, mixed targets."""
import copy

import pytest
import torch
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401
from mmlkd.models.algorithms import STKDDistill
from mmlkd.models.losses import STKDLoss

NUM_CLASSES = 5


def classifier(width):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            depth=18,
            stem_channels=width,
            base_channels=width,
            out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='MultiLabelLinearClsHead',
            num_classes=NUM_CLASSES,
            in_channels=width * 8,
            loss=dict(type='CrossEntropyLoss', use_sigmoid=True)))


def model_cfg(teacher_input='mixed', with_mix_mapping=None, to_onehot=True):
    if with_mix_mapping is None:
        with_mix_mapping = teacher_input == 'clean'
    mapping = dict(
        preds_S=dict(from_student=True, recorder='fc'),
        preds_T=dict(from_student=False, recorder='fc'))
    if with_mix_mapping:
        mapping.update(
            mix_lambda=dict(from_student=True, recorder='mix', data_idx=0),
            mix_perm=dict(from_student=True, recorder='mix', data_idx=1))
    return dict(
        _scope_='mmrazor',
        type='STKDDistill',
        alpha=0.5,
        teacher_input=teacher_input,
        data_preprocessor=dict(
            type='mmpretrain.ClsDataPreprocessor',
            num_classes=NUM_CLASSES,
            to_onehot=to_onehot,
            mean=[0., 0., 0.],
            std=[255., 255., 255.]),
        architecture=classifier(4),
        teacher=classifier(8),
        distiller=dict(
            type='ConfigurableDistiller',
            student_recorders=dict(
                fc=dict(type='ModuleOutputs', source='head.fc'),
                gt=dict(type='ModuleInputs', source='head.loss_module'),
                mix=dict(
                    type='MethodOutputs', source=STKDDistill.MIXUP_SOURCE)),
            teacher_recorders=dict(
                fc=dict(type='ModuleOutputs', source='head.fc'),
                gt=dict(type='ModuleInputs', source='head.loss_module')),
            distill_losses=dict(
                loss_stkd=dict(type='STKDLoss', tau=2.0, loss_weight=0.7)),
            loss_forward_mappings=dict(loss_stkd=mapping)))


def raw_batch(batch=4, size=32):
    g = torch.Generator().manual_seed(0)
    inputs = [
        torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
        for _ in range(batch)
    ]
    labels = [[0, 2], [1], [3, 4, 0], [2]][:batch]
    samples = [DataSample().set_gt_label(lab) for lab in labels]
    return dict(inputs=inputs, data_samples=samples)


class Spy:
    """Forward pre-hook keeping the tensor a module receives."""

    def __init__(self, module):
        self.seen = []
        module.register_forward_pre_hook(
            lambda m, args: self.seen.append(args[0].detach().clone()))


def run_step(model):
    data = model.data_preprocessor(raw_batch(), training=True)
    clean = data['inputs'].clone()
    targets = torch.stack([s.gt_score for s in data['data_samples']])
    t_spy, s_spy = Spy(model.teacher.backbone), Spy(model.student.backbone)
    losses = model(**data, mode='loss')
    return clean, targets, t_spy, s_spy, losses


def test_teacher_and_student_see_identical_mixed_batch():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg())
    model.train()
    clean, targets, t_spy, s_spy, losses = run_step(model)
    lam, perm = model.mixup_params()
    assert 0 < float(lam) < 1
    assert sorted(perm.tolist()) == list(range(4))
    assert len(t_spy.seen) == len(s_spy.seen) == 1
    assert torch.equal(t_spy.seen[0], s_spy.seen[0])
    expected = lam * clean + (1 - lam) * clean[perm]
    assert torch.allclose(s_spy.seen[0], expected, atol=1e-6)
    assert not torch.allclose(s_spy.seen[0], clean)

    # Both task losses got the targets mixed with the same lambda and perm.
    mixed_targets = lam * targets + (1 - lam) * targets[perm]
    gt_s = model.distiller.student_recorders.get_recorder('gt')
    gt_t = model.distiller.teacher_recorders.get_recorder('gt')
    assert torch.allclose(gt_s.get_record_data(data_idx=1), mixed_targets)
    assert torch.allclose(gt_t.get_record_data(data_idx=1), mixed_targets)

    # The distill loss equals an independent computation on the recorded
    # logits (per-class binary KL, T = 2, T^2, weight 0.7).
    z_s = model.distiller.student_recorders.get_recorder(
        'fc').get_record_data()
    z_t = model.distiller.teacher_recorders.get_recorder(
        'fc').get_record_data()
    p_s, p_t = torch.sigmoid(z_s / 2), torch.sigmoid(z_t / 2)
    kl = p_t * (p_t / p_s).log() + (1 - p_t) * ((1 - p_t) / (1 - p_s)).log()
    ref = 0.7 * 4 * kl.sum() / 4
    assert losses['distill.loss_stkd'].item() == pytest.approx(
        ref.item(), rel=1e-4)

    # Student task loss: BCE on the soft targets, summed over classes and
    # averaged over images (mmpretrain's avg_factor = B).
    bce = torch.nn.functional.binary_cross_entropy_with_logits(
        z_s, mixed_targets, reduction='sum') / 4
    assert losses['student.loss'].item() == pytest.approx(bce.item(), rel=1e-4)

    # Gradients reach the student only.
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.student.parameters())


def test_new_mixup_each_batch_and_original_samples_untouched():
    torch.manual_seed(1)
    model = MODELS.build(model_cfg())
    data = model.data_preprocessor(raw_batch(), training=True)
    before = [s.gt_score.clone() for s in data['data_samples']]
    model(**copy.deepcopy(data), mode='loss')
    lam1 = float(model.mixup_params()[0])
    model(**data, mode='loss')
    lam2 = float(model.mixup_params()[0])
    assert lam1 != lam2
    for s, b in zip(data['data_samples'], before):
        assert torch.equal(s.gt_score, b)


def test_teacher_target_variant_sees_clean_images():
    torch.manual_seed(2)
    model = MODELS.build(model_cfg(teacher_input='clean'))
    clean, targets, t_spy, s_spy, losses = run_step(model)
    lam, perm = model.mixup_params()
    assert torch.equal(t_spy.seen[0], clean)
    assert torch.allclose(
        s_spy.seen[0], lam * clean + (1 - lam) * clean[perm], atol=1e-6)
    z_s = model.distiller.student_recorders.get_recorder(
        'fc').get_record_data()
    z_t = model.distiller.teacher_recorders.get_recorder(
        'fc').get_record_data()
    ref = STKDLoss(tau=2.0, loss_weight=0.7)(z_s, z_t, lam, perm)
    assert losses['distill.loss_stkd'].item() == pytest.approx(
        ref.item(), rel=1e-5)
    # And it is not the plain loss against the clean-image teacher.
    plain = STKDLoss(tau=2.0, loss_weight=0.7)(z_s, z_t)
    assert abs(plain.item() - ref.item()) > 1e-6


def test_wiring_errors():
    with pytest.raises(ValueError, match="teacher_input='clean' needs"):
        MODELS.build(model_cfg(teacher_input='clean', with_mix_mapping=False))
    with pytest.raises(ValueError, match='mix twice|already shows'):
        MODELS.build(model_cfg(teacher_input='mixed', with_mix_mapping=True))
    with pytest.raises(ValueError, match='alpha'):
        MODELS.build(dict(model_cfg(), alpha=0))
    with pytest.raises(ValueError, match='teacher_input'):
        MODELS.build(dict(model_cfg(), teacher_input='both'))


def test_missing_gt_score_is_named():
    model = MODELS.build(model_cfg(to_onehot=False))
    data = model.data_preprocessor(raw_batch(), training=True)
    with pytest.raises(ValueError, match='gt_score'):
        model(**data, mode='loss')
