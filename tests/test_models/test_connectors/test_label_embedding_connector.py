"""LabelEmbeddingConnector: class-attention pooling against a per-class loop,
token sequences, projection, gradient flow inside a distiller, errors."""
import math

import pytest
import torch
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (compat fixes before mmrazor)
from mmlkd.models.connectors import LabelEmbeddingConnector
from mmlkd.models.losses import LEDLoss
from mmlkd.models.recorders import CAMInputsRecorder

NUM_CLASSES = 5


def linear_classifier(width):
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
            in_channels=8 * width))


def loop_embeddings(tokens, weight, tau):
    """``h[b, c] = sum_n softmax_n(W_c . t_bn / tau) t_bn``, one class at a
    time, with the softmax written out."""
    B, N, D = tokens.shape
    out = torch.zeros(B, weight.shape[0], D, dtype=tokens.dtype)
    for b in range(B):
        for c in range(weight.shape[0]):
            scores = [float(tokens[b, n] @ weight[c]) / tau for n in range(N)]
            top = max(scores)
            expo = [math.exp(s - top) for s in scores]
            total = sum(expo)
            for n in range(N):
                out[b, c] += expo[n] / total * tokens[b, n]
    return out


@pytest.mark.parametrize('tau', [0.5, 3.0])
def test_feature_map_matches_per_class_loop(tau):
    torch.manual_seed(0)
    feat = torch.randn(2, 6, 3, 4, dtype=torch.float64)
    weight = torch.randn(NUM_CLASSES, 6, dtype=torch.float64)
    emb = LabelEmbeddingConnector(tau=tau)((feat, weight))
    assert emb.shape == (2, NUM_CLASSES, 6)
    tokens = feat.flatten(2).transpose(1, 2)  # position n = h * W + w
    torch.testing.assert_close(emb, loop_embeddings(tokens, weight, tau))


def test_token_sequence_matches_loop_and_the_map_layout():
    torch.manual_seed(0)
    tokens = torch.randn(3, 7, 6, dtype=torch.float64)  # B x N x D (ViT)
    weight = torch.randn(NUM_CLASSES, 6, dtype=torch.float64)
    connector = LabelEmbeddingConnector(tau=2.0)
    emb = connector((tokens, weight))
    torch.testing.assert_close(emb, loop_embeddings(tokens, weight, 2.0))
    # The same positions laid out as a 1 x 7 map give the same embeddings.
    as_map = tokens.transpose(1, 2).reshape(3, 6, 1, 7)
    torch.testing.assert_close(connector((as_map, weight)), emb)


def test_large_tau_is_average_pooling_for_every_class():
    torch.manual_seed(0)
    feat = torch.randn(2, 6, 3, 3, dtype=torch.float64)
    weight = torch.randn(NUM_CLASSES, 6, dtype=torch.float64)
    emb = LabelEmbeddingConnector(tau=1e12)((feat, weight))
    gap = feat.mean(dim=(2, 3))
    torch.testing.assert_close(emb, gap[:, None].expand_as(emb))


def test_projection_maps_the_pooled_embeddings():
    torch.manual_seed(0)
    feat = torch.randn(2, 6, 2, 2)
    weight = torch.randn(NUM_CLASSES, 6)
    connector = LabelEmbeddingConnector(in_channels=6, out_channels=10)
    emb = connector((feat, weight))
    assert emb.shape == (2, NUM_CLASSES, 10)
    pooled = loop_embeddings(
        feat.flatten(2).transpose(1, 2).double(), weight.double(), 1.0)
    expected = pooled @ connector.proj.weight.double().t() + \
        connector.proj.bias.double()
    torch.testing.assert_close(emb.double(), expected, rtol=1e-5, atol=1e-5)
    assert sum(p.numel() for p in LabelEmbeddingConnector().parameters()) == 0


def test_gradients_reach_backbone_and_classifier():
    torch.manual_seed(0)
    model = PRETRAIN_MODELS.build(linear_classifier(8))
    model.init_weights()
    recorder = CAMInputsRecorder('backbone', 'head')
    recorder.initialize(model)
    with recorder:
        model(torch.randn(2, 3, 64, 64), mode='tensor')
    emb = LabelEmbeddingConnector(tau=1.0)(recorder.get_record_data())
    assert emb.shape == (2, NUM_CLASSES, 64)
    # The classifier weight enters only through the attention: a gradient
    # there shows the attention is differentiated, not treated as constant.
    emb.pow(2).sum().backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    assert model.head.fc.weight.grad.abs().sum() > 0
    assert model.head.fc.bias.grad is None  # no bias in a CAM


def _distill(student, teacher, connectors):
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
                    emb=dict(type='CAMInputs', source='backbone', head='head'),
                    gt=dict(type='ModuleInputs', source='head.loss_module')),
                teacher_recorders=dict(
                    emb=dict(type='CAMInputs', source='backbone',
                             head='head')),
                connectors=connectors,
                distill_losses=dict(loss_led=dict(type='LEDLoss')),
                loss_forward_mappings=dict(
                    loss_led=dict(
                        preds_S=dict(
                            from_student=True,
                            recorder='emb',
                            connector='emb_s'),
                        preds_T=dict(
                            from_student=False,
                            recorder='emb',
                            connector='emb_t'),
                        target=dict(
                            from_student=True, recorder='gt', data_idx=1))))))


def test_led_through_connectors_of_different_widths():
    # Student width 64, teacher 128: the student's embeddings are projected
    # to 128; LED then compares them with the teacher's.
    torch.manual_seed(0)
    algo = _distill(
        linear_classifier(8), linear_classifier(16),
        dict(
            emb_s=dict(
                type='LabelEmbeddingConnector',
                in_channels=64,
                out_channels=128,
                tau=2.0),
            emb_t=dict(type='LabelEmbeddingConnector', tau=2.0)))
    algo.train()
    # Classes 0 and 1 in three images: CD and ID sets of >= 3 members.
    labels = [[0, 1, 2], [0, 1, 3], [0, 1, 2, 4], [4]]
    data = algo.data_preprocessor(
        dict(
            inputs=[
                torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)
                for _ in labels
            ],
            data_samples=[DataSample().set_gt_label(lab) for lab in labels]),
        True)
    losses = algo.loss(data['inputs'], data['data_samples'])
    # Independent value: pool the records with the loop, project, LED.
    feat_s, w_s = algo.distiller.student_recorders.get_recorder(
        'emb').get_record_data()
    feat_t, w_t = algo.distiller.teacher_recorders.get_recorder(
        'emb').get_record_data()
    proj = algo.distiller.connectors['emb_s'].proj
    tokens_s = feat_s.flatten(2).transpose(1, 2)
    tokens_t = feat_t.flatten(2).transpose(1, 2)
    emb_s = proj(
        loop_embeddings(tokens_s.detach().double(),
                        w_s.detach().double(), 2.0).float())
    emb_t = loop_embeddings(tokens_t.double(), w_t.double(), 2.0).float()
    target = torch.stack([d.gt_score for d in data['data_samples']])
    expected = LEDLoss()(emb_s, emb_t, target)
    assert expected > 0
    torch.testing.assert_close(
        losses['distill.loss_led'], expected, rtol=1e-4, atol=1e-5)

    algo.zero_grad()
    losses['distill.loss_led'].backward()
    s = algo.student
    assert s.backbone.conv1.weight.grad.abs().sum() > 0
    assert s.head.fc.weight.grad.abs().sum() > 0
    assert proj.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in algo.teacher.parameters())


def test_ml_decoder_student_is_refused_at_build():
    student = linear_classifier(8)
    student['neck'] = None
    student['head'] = dict(
        type='MLDecoderHead',
        num_classes=NUM_CLASSES,
        in_channels=64,
        embed_dims=32,
        num_heads=2,
        ffn_dims=64)
    with pytest.raises(
            TypeError, match='MLDecoderHead.*no spatial linear classifier'):
        _distill(
            student, linear_classifier(16),
            dict(
                emb_s=dict(type='LabelEmbeddingConnector'),
                emb_t=dict(type='LabelEmbeddingConnector')))


def test_bad_inputs_and_options_are_named():
    connector = LabelEmbeddingConnector(in_channels=8, out_channels=4)
    with pytest.raises(TypeError, match='CAMInputs'):
        connector(torch.zeros(2, 8, 4, 4))
    with pytest.raises(ValueError, match=r'C x D with D = 8'):
        connector((torch.zeros(2, 8, 4, 4), torch.zeros(5, 6)))
    with pytest.raises(ValueError, match='in_channels is 8.*width 6'):
        connector((torch.zeros(2, 6, 4, 4), torch.zeros(5, 6)))
    with pytest.raises(ValueError, match='B x N x D'):
        connector((torch.zeros(2, 8), torch.zeros(5, 8)))
    with pytest.raises(ValueError, match='tau must be > 0'):
        LabelEmbeddingConnector(tau=0.0)
    with pytest.raises(ValueError, match='needs in_channels'):
        LabelEmbeddingConnector(out_channels=4)


def test_vit_patch_tokens_through_the_recorder():
    # A ViT whose patch tokens come out as a map (out_type='featmap'), then
    # GAP + linear head: the CAMInputs record feeds the connector, and the
    # embeddings are the loop's over the 4 x 4 patch tokens.
    torch.manual_seed(0)
    model = PRETRAIN_MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='VisionTransformer',
                arch=dict(
                    embed_dims=16,
                    num_layers=1,
                    num_heads=2,
                    feedforward_channels=32),
                img_size=32,
                patch_size=8,
                out_type='featmap'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='MultiLabelLinearClsHead',
                num_classes=NUM_CLASSES,
                in_channels=16)))
    model.init_weights()
    model.eval()
    recorder = CAMInputsRecorder('backbone', 'head')
    recorder.initialize(model)
    with recorder:
        model(torch.randn(2, 3, 32, 32), mode='tensor')
    feat, weight = recorder.get_record_data()
    assert feat.shape == (2, 16, 4, 4)
    emb = LabelEmbeddingConnector(tau=0.5)((feat, weight))
    tokens = feat.flatten(2).transpose(1, 2).detach().double()
    torch.testing.assert_close(
        emb.double(),
        loop_embeddings(tokens,
                        weight.detach().double(), 0.5),
        rtol=1e-5,
        atol=1e-5)
