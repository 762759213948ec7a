"""CAMs from real mmpretrain classifiers: identities, gradient flow, errors."""
import pytest
import torch
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (compat fixes before mmrazor)
from mmlkd.models.connectors import CAMConnector
from mmlkd.models.recorders import CAMInputsRecorder

NUM_CLASSES = 5


def _backbone(width):
    return dict(
        type='ResNet',
        depth=18,
        stem_channels=width,
        base_channels=width,
        out_indices=(3, ))


def linear_classifier(width=8):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=_backbone(width),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='MultiLabelLinearClsHead',
            num_classes=NUM_CLASSES,
            in_channels=8 * width))


def csra_classifier(width=8, num_heads=1, lam=0.3):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=_backbone(width),
        head=dict(
            type='CSRAClsHead',
            num_classes=NUM_CLASSES,
            in_channels=8 * width,
            num_heads=num_heads,
            lam=lam))


def _build(cfg):
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    model = PRETRAIN_MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def _cams(model, x):
    recorder = CAMInputsRecorder('backbone', 'head')
    recorder.initialize(model)
    with recorder:
        logits = model(x, mode='tensor')
    cams = CAMConnector()(recorder.get_record_data())
    return cams, logits


def test_linear_head_logit_is_cam_mean_plus_bias():
    torch.manual_seed(0)
    model = _build(linear_classifier())
    with torch.no_grad():
        model.head.fc.bias.normal_()  # a non-zero bias makes the check real
    x = torch.randn(2, 3, 64, 64)
    cams, logits = _cams(model, x)
    assert cams.shape == (2, NUM_CLASSES, 2, 2)
    torch.testing.assert_close(
        cams.mean(dim=(2, 3)) + model.head.fc.bias,
        logits,
        rtol=1e-5,
        atol=1e-5)


def test_csra_single_head_identity():
    # One CSRA head (T=1): logit = mean_hw(CAM) + lam * sum_hw CAM*softmax(CAM)
    torch.manual_seed(0)
    model = _build(csra_classifier(num_heads=1, lam=0.3))
    x = torch.randn(2, 3, 64, 64)
    cams, logits = _cams(model, x)
    flat = cams.flatten(2)
    expected = flat.mean(2) + 0.3 * (flat * flat.softmax(2)).sum(2)
    torch.testing.assert_close(expected, logits, rtol=1e-5, atol=1e-5)


def test_csra_multi_head_cam_is_sum_of_score_maps():
    # Several heads: the CAM is the sum of the heads' normalised score maps,
    # so mean_hw(CAM) is the average-pool part of the logit; the attention
    # parts (softmax at T=1, max at T=99) are per head, computed here by hand.
    torch.manual_seed(0)
    model = _build(csra_classifier(num_heads=2, lam=0.3))
    x = torch.randn(2, 3, 64, 64)
    cams, logits = _cams(model, x)
    feat = model.backbone(x)[-1]
    att = 0
    for module in model.head.csra_heads:
        w = module.head.weight.flatten(1)
        score = torch.einsum('bdhw,cd->bchw', feat,
                             w / w.norm(dim=1, keepdim=True))
        score = score.flatten(2)
        att = att + (
            score.amax(2) if module.T == 99 else
            (score * (score * module.T).softmax(2)).sum(2))
    torch.testing.assert_close(
        cams.mean(dim=(2, 3)) + 0.3 * att, logits, rtol=1e-5, atol=1e-5)


def _distill(student, teacher, loss_cfg, extra_mappings=None):
    mappings = dict(
        preds_S=dict(recorder='cam', from_student=True, connector='cam'),
        preds_T=dict(recorder='cam', from_student=False, connector='cam'))
    mappings.update(extra_mappings or {})
    return MODELS.build(
        dict(
            _scope_='mmrazor',
            type='SingleTeacherDistill',
            data_preprocessor=dict(
                type='mmpretrain.ClsDataPreprocessor',
                num_classes=NUM_CLASSES,
                to_onehot=True),
            architecture=student,
            teacher=teacher,
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=dict(
                    cam=dict(type='CAMInputs', source='backbone', head='head'),
                    gt=dict(type='ModuleInputs', source='head.loss_module')),
                teacher_recorders=dict(
                    cam=dict(type='CAMInputs', source='backbone', head='head'),
                    fc=dict(type='ModuleOutputs', source='head.fc')),
                connectors=dict(cam=dict(type='CAMConnector')),
                distill_losses=dict(loss_cam=loss_cfg),
                loss_forward_mappings=dict(loss_cam=mappings))))


def _batch(batch=2, size=64):
    torch.manual_seed(1)
    inputs = torch.rand(batch, 3, size, size) * 255
    samples = [
        DataSample().set_gt_label([i % NUM_CLASSES, 2]) for i in range(batch)
    ]
    return inputs, samples


@pytest.mark.parametrize('student', ['linear', 'csra'])
def test_cam_loss_grads_reach_student_backbone_and_classifier(student):
    student_cfg = (
        linear_classifier(8) if student == 'linear' else csra_classifier(
            8, num_heads=2))
    algo = _distill(
        student_cfg, linear_classifier(16),
        dict(
            type='CAMDistillLoss',
            classes='teacher_topk',
            topk=2,
            loss_weight=1.0),
        dict(logits_T=dict(recorder='fc', from_student=False)))
    algo.train()
    data = algo.data_preprocessor(
        dict(zip(('inputs', 'data_samples'), _batch())), True)
    losses = algo.loss(data['inputs'], data['data_samples'])
    # Only the CAM term: its gradients must not be masked by the task loss.
    losses['distill.loss_cam'].backward()
    s = algo.student
    assert s.backbone.conv1.weight.grad.abs().sum() > 0
    if student == 'linear':
        assert s.head.fc.weight.grad.abs().sum() > 0
        assert s.head.fc.bias.grad is None  # the CAM does not see the bias
    else:
        for module in s.head.csra_heads:
            assert module.head.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in algo.teacher.parameters())


def test_gt_mode_through_distiller_uses_recorded_targets():
    algo = _distill(
        linear_classifier(8), linear_classifier(16),
        dict(type='CAMDistillLoss', classes='gt'),
        dict(target=dict(recorder='gt', from_student=True, data_idx=1)))
    data = algo.data_preprocessor(
        dict(zip(('inputs', 'data_samples'), _batch())), True)
    losses = algo.loss(data['inputs'], data['data_samples'])
    # Independent check: recompute from the recorded CAMs and the targets.
    rec_s = algo.distiller.student_recorders.get_recorder('cam')
    rec_t = algo.distiller.teacher_recorders.get_recorder('cam')
    cam_s = CAMConnector()(rec_s.get_record_data())
    cam_t = CAMConnector()(rec_t.get_record_data())
    target = torch.stack([d.gt_score for d in data['data_samples']])
    ns = torch.nn.functional.normalize(
        torch.nn.functional.adaptive_avg_pool2d(cam_s, 2).flatten(2), dim=2)
    nt = torch.nn.functional.normalize(
        torch.nn.functional.adaptive_avg_pool2d(cam_t, 2).flatten(2), dim=2)
    per_map = ((ns - nt)**2).mean(2)
    expected = per_map[target == 1].mean()
    torch.testing.assert_close(losses['distill.loss_cam'], expected)


def test_unsupported_head_is_named():
    cfg = linear_classifier()
    cfg['head'] = dict(
        type='StackedLinearClsHead',
        num_classes=NUM_CLASSES,
        in_channels=64,
        mid_channels=[16])
    with pytest.raises(TypeError, match='StackedLinearClsHead.*no spatial'):
        _distill(cfg, linear_classifier(16), dict(type='CAMDistillLoss'))


def test_linear_head_after_non_gap_neck_is_refused():
    cfg = linear_classifier()
    cfg['neck'] = dict(type='LinearNeck', in_channels=64, out_channels=64)
    with pytest.raises(TypeError, match='LinearNeck'):
        CAMInputsRecorder().initialize(_build(cfg))


def test_connector_rejects_plain_tensor_and_bad_weight():
    with pytest.raises(TypeError, match='CAMInputs'):
        CAMConnector()(torch.zeros(2, 8, 4, 4))
    with pytest.raises(ValueError, match=r'C x D with D = 8'):
        CAMConnector()((torch.zeros(2, 8, 4, 4), torch.zeros(5, 6)))


def test_ml_decoder_head_has_no_cam():
    # mmlkd's own ML-Decoder head: queries attend to tokens, no spatial
    # linear classifier, so no CAM.
    cfg = linear_classifier()
    cfg['neck'] = None
    cfg['head'] = dict(
        type='MLDecoderHead',
        num_classes=NUM_CLASSES,
        in_channels=64,
        embed_dims=32,
        num_heads=2,
        ffn_dims=64)
    with pytest.raises(TypeError, match='MLDecoderHead.*no class activation'):
        CAMInputsRecorder().initialize(_build(cfg))
