"""MLDecoderHead: shapes, logits from embeddings, fixed queries, training."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from mmrazor.models.task_modules import ModuleOutputsRecorder

import mmlkd  # noqa: F401  (registers the head)
from mmlkd.models.heads import MLDecoderHead


def _head(**kwargs):
    cfg = dict(
        type='MLDecoderHead',
        num_classes=5,
        in_channels=16,
        embed_dims=32,
        num_heads=4,
        ffn_dims=64)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _samples(targets):
    return [
        DataSample().set_gt_label(t.nonzero().flatten()).set_gt_score(t)
        for t in targets
    ]


def test_defaults_follow_the_paper():
    head = MLDecoderHead(num_classes=80, in_channels=512)
    assert head.embed.in_features == 512 and head.embed.out_features == 768
    assert head.query_embed.shape == (80, 768)
    attn = head.decoder.cross_attn
    assert attn.num_heads == 8 and attn.embed_dim == 768 and attn.batch_first
    assert head.decoder.ffn[0].out_features == 2048
    assert head.decoder.drop1.p == 0.1 and attn.dropout == 0.1
    assert head.fc.weight.shape == (80, 768)
    # xavier-normal: std sqrt(2 / (fan_in + fan_out)) = sqrt(2 / 848)
    std = float(head.fc.weight.detach().std())
    assert abs(std - (2 / 848)**0.5) < 0.1 * (2 / 848)**0.5
    assert float(head.fc.bias.abs().sum()) == 0.0
    # No self-attention block in the decoder layer.
    assert sum(isinstance(m, nn.MultiheadAttention)
               for m in head.modules()) == 1


def test_shapes_and_embeddings_at_named_module():
    head = _head().eval()
    feats = (torch.randn(3, 16, 4, 5), )
    recorder = ModuleOutputsRecorder('decoder')
    recorder.initialize(head)
    with recorder:
        logits = head(feats)
    h = recorder.get_record_data()
    assert logits.shape == (3, 5)
    assert h.shape == (3, 5, 32)
    assert torch.equal(head.pre_logits(feats), h)
    # Logits are <h_c, w_c> + b_c, class by class.
    with torch.no_grad():
        head.fc.bias.normal_()
    logits = head(feats)
    for c in range(5):
        expected = h[:, c] @ head.fc.weight[c] + head.fc.bias[c]
        torch.testing.assert_close(logits[:, c], expected)


def test_token_input_and_bad_shapes():
    head = _head().eval()
    tokens = torch.randn(2, 7, 16)
    assert head((tokens, )).shape == (2, 5)
    with pytest.raises(ValueError, match=r'in_channels is 16.*8 channels'):
        head((torch.randn(2, 8, 3, 3), ))
    with pytest.raises(ValueError, match=r'got shape \(2, 16\)'):
        head((torch.randn(2, 16), ))


def test_queries_fixed_by_default_and_trainable_on_request():
    head = _head()
    assert 'query_embed' in dict(head.named_buffers())
    assert 'query_embed' not in dict(head.named_parameters())
    assert 'query_embed' in head.state_dict()
    trainable = _head(fixed_queries=False)
    assert dict(trainable.named_parameters())['query_embed'].requires_grad


def test_trains_on_a_tiny_backbone_queries_unchanged():
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
    head = _head(dropout=0.0)
    queries = head.query_embed.clone()
    params = list(backbone.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-2)
    x = torch.randn(8, 3, 6, 6)
    y = (torch.rand(8, 5) < 0.4).float()
    samples = _samples(y)
    losses = []
    for _ in range(30):
        loss = head.loss((backbone(x), ), samples)['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]
    assert torch.equal(head.query_embed, queries)
    # The loss is mmpretrain's sigmoid BCE averaged over the batch.
    logits = head((backbone(x), ))
    expected = F.binary_cross_entropy_with_logits(
        logits, y, reduction='sum') / 8
    torch.testing.assert_close(
        head.loss((backbone(x), ), samples)['loss'], expected)


def test_in_an_mmpretrain_image_classifier():
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            data_preprocessor=dict(
                type='ClsDataPreprocessor', num_classes=5, to_onehot=True),
            backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
            neck=None,
            head=dict(
                type='MLDecoderHead',
                num_classes=5,
                in_channels=512,
                embed_dims=64,
                num_heads=4,
                ffn_dims=128)))
    model.init_weights()
    optim = build_optim_wrapper(model,
                                dict(optimizer=dict(type='Adam', lr=1e-4)))
    data = dict(
        inputs=[
            torch.randint(0, 255, (3, 64, 64), dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=[
            DataSample().set_gt_label([0, 3]),
            DataSample().set_gt_label([1])
        ])
    log_vars = model.train_step(data, optim)
    assert torch.isfinite(log_vars['loss'])
    model.eval()
    preds = model.val_step(data)
    assert len(preds) == 2 and preds[0].pred_score.shape == (5, )
    assert ((preds[0].pred_score > 0) & (preds[0].pred_score < 1)).all()
    # Checkpoints round-trip the fixed queries.
    clone = MODELS.build(
        dict(
            type='MLDecoderHead',
            num_classes=5,
            in_channels=512,
            embed_dims=64,
            num_heads=4,
            ffn_dims=128))
    clone.load_state_dict(model.head.state_dict())
    assert torch.equal(clone.query_embed, model.head.query_embed)


def test_thr_and_topk_predictions():
    head = _head(topk=2).eval()
    preds = head.predict((torch.randn(3, 16, 2, 2), ))
    assert all(len(p.pred_label) == 2 for p in preds)


def test_asking_for_cams_fails_clearly():
    head = _head()
    assert head.has_spatial_classifier is False
    with pytest.raises(NotImplementedError, match='no spatial linear'):
        head.get_cam((torch.randn(1, 16, 2, 2), ))


def test_bad_arguments():
    with pytest.raises(ValueError, match='divisible'):
        _head(embed_dims=30, num_heads=4)
    with pytest.raises(ValueError, match='num_classes'):
        _head(num_classes=0)


def _layer_norm(x, weight, bias, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean)**2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def _reference_forward(head, feats, num_heads):
    """The docstring's formula with the head's weights, from matmuls only."""
    sd = {k: v.double() for k, v in head.state_dict().items()}
    dec = 'decoder.'
    x = feats.double().flatten(2).transpose(1, 2)  # B x HW x D
    tokens = (x @ sd['embed.weight'].T + sd['embed.bias']).clamp_min(0)
    q = sd['query_embed'].expand(x.shape[0], -1, -1)
    # q = LN(q + dropout(q)); dropout is the identity in eval mode.
    q = _layer_norm(q + q, sd[dec + 'norm1.weight'], sd[dec + 'norm1.bias'])
    # Multi-head cross-attention of the queries over the tokens.
    w_q, w_k, w_v = sd[dec + 'cross_attn.in_proj_weight'].chunk(3)
    b_q, b_k, b_v = sd[dec + 'cross_attn.in_proj_bias'].chunk(3)
    E = q.shape[-1]
    d = E // num_heads

    def split(t):  # B x L x E -> B x heads x L x d
        return t.reshape(t.shape[0], t.shape[1], num_heads, d).transpose(1, 2)

    Q, K, V = split(q @ w_q.T + b_q), split(tokens @ w_k.T +
                                            b_k), split(tokens @ w_v.T + b_v)
    scores = Q @ K.transpose(-1, -2) / d**0.5
    weights = scores.exp() / scores.exp().sum(-1, keepdim=True)
    attn = (weights @ V).transpose(1, 2).reshape(q.shape)
    attn = attn @ sd[dec + 'cross_attn.out_proj.weight'].T + \
        sd[dec + 'cross_attn.out_proj.bias']
    q = _layer_norm(q + attn, sd[dec + 'norm2.weight'], sd[dec + 'norm2.bias'])
    hidden = (q @ sd[dec + 'ffn.0.weight'].T + sd[dec + 'ffn.0.bias'])
    ffn = hidden.clamp_min(0) @ sd[dec + 'ffn.3.weight'].T + \
        sd[dec + 'ffn.3.bias']
    h = _layer_norm(q + ffn, sd[dec + 'norm3.weight'], sd[dec + 'norm3.bias'])
    # Per-class linear units z_c = <h_c, w_c> + b_c.
    logits = (h * sd['fc.weight']).sum(-1) + sd['fc.bias']
    return h, logits


@pytest.mark.parametrize('query_scale', [1.0, 3e-3])
def test_forward_matches_the_formula_by_hand(query_scale):
    """Each block of the docstring, checked with independent arithmetic.

    Every parameter (norms included) is randomised so that no block can be
    dropped or reordered unseen. With ``query_scale=3e-3`` the queries'
    variance is near LayerNorm's eps, where LN(q + q) and LN(q) differ: that
    catches a skipped query residual (LN is otherwise scale-invariant).
    """
    torch.manual_seed(0)
    head = _head(
        num_classes=5, in_channels=6, embed_dims=16, num_heads=4,
        ffn_dims=24).eval()
    with torch.no_grad():
        for name, p in head.named_parameters():
            p.copy_(
                torch.randn_like(p) * (0.5 if p.dim() > 1 else 0.3) +
                (1.0 if name.endswith('norm1.weight') or name.endswith(
                    'norm2.weight') or name.endswith('norm3.weight') else 0.0))
        head.query_embed.copy_(
            (torch.randn_like(head.query_embed) + 0.5) * query_scale)
    feats = torch.randn(3, 6, 2, 3)
    h_ref, logits_ref = _reference_forward(head, feats, num_heads=4)
    with torch.no_grad():
        h = head.pre_logits((feats, ))
        logits = head((feats, ))
    torch.testing.assert_close(h.double(), h_ref, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(
        logits.double(), logits_ref, rtol=1e-4, atol=1e-4)
