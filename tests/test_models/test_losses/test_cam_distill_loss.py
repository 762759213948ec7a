"""CAMDistillLoss against hand-worked cases and a slow loop reference."""
import math

import pytest
import torch

import mmlkd  # noqa: F401  (compat fixes before mmrazor)
from mmlkd.models.losses import CAMDistillLoss


def _maps(values):
    """B x C x 2 x 2 maps from rows of 4 numbers, row-major over space."""
    return torch.tensor(
        values,
        dtype=torch.float64).reshape(len(values), len(values[0]), 2, 2)


# One image, two classes, 2x2 maps (resolution 2 leaves them unchanged).
S = _maps([[[3, 4, 0, 0], [1, 1, 1, 1]]])
T = _maps([[[0, 0, 0, 5], [2, 2, 2, 2]]])


def test_l2_hand_case():
    # class 0: [.6,.8,0,0] vs [0,0,0,1]: (.36+.64+0+1)/4 = 0.5
    # class 1: [.5]*4 vs [.5]*4: 0          -> mean 0.25, x loss_weight 2
    loss = CAMDistillLoss(resolution=2, normalize='l2', loss_weight=2.0)
    assert loss(S, T).item() == pytest.approx(0.5)


def test_none_hand_case():
    # class 0: (9+16+0+25)/4 = 12.5; class 1: 1  -> 6.75
    loss = CAMDistillLoss(resolution=2, normalize='none')
    assert loss(S, T).item() == pytest.approx(6.75)


@pytest.mark.parametrize('tau', [1.0, 2.0])
def test_softmax_hand_case(tau):
    # teacher map [tau*ln3, 0, 0, 0] -> softmax(./tau) = [1/2, 1/6, 1/6, 1/6];
    # student zeros -> [1/4]*4; per-cell squares 1/16 + 3/144, mean /4.
    s = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    t = _maps([[[tau * math.log(3), 0, 0, 0]]])
    loss = CAMDistillLoss(resolution=2, normalize='softmax', tau=tau)
    assert loss(s, t).item() == pytest.approx((1 / 16 + 3 / 144) / 4)


# Selection cases: 1x1 maps, no normalisation, student zeros, so the error of
# (image i, class c) is t_ic^2 = [[1, 4, 9], [16, 25, 36]].
T_SEL = torch.tensor([[1., 2, 3], [4, 5, 6]]).reshape(2, 3, 1, 1)
S_SEL = torch.zeros(2, 3, 1, 1)
LOGITS_T = torch.tensor([[2., -2, 0], [0.1, -3, 5]])


def _sel_loss(**kw):
    return CAMDistillLoss(resolution=1, normalize='none', **kw)


def test_classes_all():
    assert _sel_loss()(S_SEL, T_SEL).item() == pytest.approx(91 / 6)


def test_classes_gt_ignores_negatives_and_difficult():
    target = torch.tensor([[1., 0, 1], [0, 0, -1]])
    loss = _sel_loss(classes='gt')(S_SEL, T_SEL, target=target)
    assert loss.item() == pytest.approx((1 + 9) / 2)


def test_classes_teacher_pos():
    # sigmoid > 0.5: (0,0), (1,0), (1,2); logit 0 gives exactly 0.5 -> out.
    loss = _sel_loss(classes='teacher_pos')(S_SEL, T_SEL, logits_T=LOGITS_T)
    assert loss.item() == pytest.approx((1 + 16 + 36) / 3)


def test_classes_teacher_topk():
    loss = _sel_loss(
        classes='teacher_topk', topk=2)(
            S_SEL, T_SEL, logits_T=LOGITS_T)
    assert loss.item() == pytest.approx((1 + 9 + 36 + 16) / 4)
    # k larger than C takes every class.
    loss = _sel_loss(
        classes='teacher_topk', topk=7)(
            S_SEL, T_SEL, logits_T=LOGITS_T)
    assert loss.item() == pytest.approx(91 / 6)


def test_empty_selection_is_zero_and_backpropagates():
    s = S_SEL.clone().requires_grad_()
    loss = _sel_loss(classes='gt')(s, T_SEL, target=torch.zeros(2, 3))
    assert loss.item() == 0
    loss.backward()
    assert torch.equal(s.grad, torch.zeros_like(s))


def _slow_reference(s, t, r, normalize, tau):
    """Loop version: block-average pooling (size divisible by r), norm."""
    total, count = 0.0, 0
    for i in range(s.shape[0]):
        for c in range(s.shape[1]):
            maps = []
            for m in (s[i, c], t[i, c]):
                bh, bw = m.shape[0] // r, m.shape[1] // r
                cells = [
                    float(m[y * bh:(y + 1) * bh, x * bw:(x + 1) * bw].mean())
                    for y in range(r) for x in range(r)
                ]
                if normalize == 'l2':
                    n = math.sqrt(sum(v * v for v in cells))
                    cells = [v / n for v in cells]
                elif normalize == 'softmax':
                    e = [math.exp(v / tau) for v in cells]
                    cells = [v / sum(e) for v in e]
                maps.append(cells)
            total += sum((a - b)**2 for a, b in zip(*maps)) / (r * r)
            count += 1
    return total / count


@pytest.mark.parametrize('normalize', ['l2', 'none', 'softmax'])
def test_different_sizes_match_loop(normalize):
    g = torch.Generator().manual_seed(0)
    s = torch.randn(2, 3, 8, 8, generator=g, dtype=torch.float64)
    t = torch.randn(2, 3, 4, 4, generator=g, dtype=torch.float64)
    loss = CAMDistillLoss(resolution=2, normalize=normalize, tau=0.7)
    ref = _slow_reference(s, t, 2, normalize, 0.7)
    assert loss(s, t).item() == pytest.approx(ref, rel=1e-9)


def test_gradients_reach_student_only():
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    t = torch.randn(2, 3, 2, 2, requires_grad=True)
    CAMDistillLoss()(s, t).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t.grad is None


def test_missing_inputs_and_bad_shapes_raise():
    with pytest.raises(ValueError, match='needs `target`'):
        _sel_loss(classes='gt')(S_SEL, T_SEL)
    with pytest.raises(ValueError, match='needs `logits_T`'):
        _sel_loss(classes='teacher_topk')(S_SEL, T_SEL)
    with pytest.raises(ValueError, match='logits_T shape'):
        _sel_loss(classes='teacher_pos')(
            S_SEL, T_SEL, logits_T=torch.zeros(2, 4))
    with pytest.raises(ValueError, match='differ in batch or classes'):
        CAMDistillLoss()(torch.zeros(2, 3, 4, 4), torch.zeros(2, 5, 4, 4))
    with pytest.raises(ValueError, match='set resolution'):
        CAMDistillLoss(resolution=None)(torch.zeros(2, 3, 4, 4),
                                        torch.zeros(2, 3, 2, 2))
    with pytest.raises(ValueError, match='B x C x H x W'):
        CAMDistillLoss()(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match='normalize'):
        CAMDistillLoss(normalize='l1')
    with pytest.raises(ValueError, match='classes'):
        CAMDistillLoss(classes='some')
