"""L2D wiring: MLDLoss + LEDLoss on ML-Decoder heads inside
SingleTeacherDistill."""
import torch
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (registers heads and losses)
from mmlkd.models.losses import LEDLoss, MLDLoss


def _classifier(width, dropout):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet_CIFAR',
            depth=18,
            stem_channels=width,
            base_channels=width,
            out_indices=(3, )),
        neck=None,
        head=dict(
            type='MLDecoderHead',
            num_classes=6,
            in_channels=8 * width,
            embed_dims=16,
            num_heads=2,
            ffn_dims=32,
            dropout=dropout))


def _algorithm():
    return MODELS.build(
        dict(
            type='SingleTeacherDistill',
            data_preprocessor=dict(
                type='mmpretrain.ClsDataPreprocessor',
                num_classes=6,
                to_onehot=True),
            architecture=_classifier(2, 0.1),
            teacher=_classifier(4, 0.0),
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=dict(
                    fc=dict(type='ModuleOutputs', source='head.fc'),
                    emb=dict(type='ModuleOutputs', source='head.decoder'),
                    gt=dict(type='ModuleInputs', source='head.loss_module')),
                teacher_recorders=dict(
                    fc=dict(type='ModuleOutputs', source='head.fc'),
                    emb=dict(type='ModuleOutputs', source='head.decoder')),
                distill_losses=dict(
                    loss_mld=dict(type='MLDLoss', loss_weight=10 / 4),
                    loss_led=dict(type='LEDLoss', loss_weight=1 / 4)),
                loss_forward_mappings=dict(
                    loss_mld=dict(
                        preds_S=dict(from_student=True, recorder='fc'),
                        preds_T=dict(from_student=False, recorder='fc')),
                    loss_led=dict(
                        preds_S=dict(from_student=True, recorder='emb'),
                        preds_T=dict(from_student=False, recorder='emb'),
                        target=dict(
                            from_student=True, recorder='gt', data_idx=1))))))


def test_l2d_losses_on_recorded_embeddings_and_logits():
    torch.manual_seed(0)
    algo = _algorithm()
    # Three images share classes 0 and 1, so CD and ID sets of >= 3 exist.
    labels = [[0, 1, 2], [0, 1, 3], [0, 1, 2, 4], [5]]
    data = algo.data_preprocessor(
        dict(
            inputs=[
                torch.randint(0, 255, (3, 16, 16), dtype=torch.uint8)
                for _ in labels
            ],
            data_samples=[DataSample().set_gt_label(lb) for lb in labels]),
        training=True)
    algo.train()
    # Same dropout draws in the loss run and in the reference run below.
    torch.manual_seed(1)
    losses = algo.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {
        'student.loss', 'distill.loss_mld', 'distill.loss_led'
    }
    assert float(losses['distill.loss_led'].detach()) > 0

    # The same quantities computed directly from the two models.
    with torch.no_grad():
        feats_t = algo.teacher.extract_feat(data['inputs'])
        h_t = algo.teacher.head.pre_logits(feats_t)
        z_t = algo.teacher.head.fc(h_t)
    torch.manual_seed(1)
    feats_s = algo.student.extract_feat(data['inputs'])
    h_s = algo.student.head.pre_logits(feats_s)
    z_s = algo.student.head.fc(h_s)
    target = torch.stack([s.gt_score for s in data['data_samples']])
    torch.testing.assert_close(losses['distill.loss_led'],
                               LEDLoss(loss_weight=1 / 4)(h_s, h_t, target))
    torch.testing.assert_close(losses['distill.loss_mld'],
                               MLDLoss(loss_weight=10 / 4)(z_s, z_t))

    # Gradients reach the student only.
    sum(losses.values()).backward()
    assert all(p.grad is None for p in algo.teacher.parameters())
    assert algo.student.head.decoder.cross_attn.in_proj_weight.grad.abs().sum(
    ) > 0
    assert algo.student.backbone.conv1.weight.grad.abs().sum() > 0
