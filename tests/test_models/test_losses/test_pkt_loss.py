"""PKTLoss against a slow loop over image pairs."""
import math

import pytest
import torch

import mmlkd  # noqa: F401
from mmlkd.models.losses import PKTLoss


def slow_pkt(fs, ft, include_self=False, reduction='batchmean', eps=1e-7):

    def cond(f):
        b = len(f)
        norms = [math.sqrt(sum(v * v for v in row)) for row in f]
        k = [[
            0.5 * (sum(a * c for a, c in zip(f[i], f[j])) /
                   (norms[i] * norms[j]) + 1) for j in range(b)
        ] for i in range(b)]
        out = []
        for i in range(b):
            js = [j for j in range(b) if include_self or j != i]
            z = sum(k[i][j] for j in js)
            out.append({j: k[i][j] / z for j in js})
        return out

    ps, pt = cond(fs), cond(ft)
    total = sum(pt[i][j] * math.log((pt[i][j] + eps) / (ps[i][j] + eps))
                for i in range(len(fs)) for j in pt[i])
    b = len(fs)
    div = {
        'batchmean': b,
        'sum': 1,
        'mean': b * b if include_self else b * (b - 1)
    }[reduction]
    return total / div


@pytest.mark.parametrize('include_self', [False, True])
@pytest.mark.parametrize('reduction', ['batchmean', 'sum', 'mean'])
def test_random_against_slow_loop(include_self, reduction):
    torch.manual_seed(0)
    fs, ft = torch.randn(5, 3), torch.randn(5, 8)  # widths may differ
    loss = PKTLoss(
        include_self=include_self, reduction=reduction, loss_weight=3.0)(fs,
                                                                         ft)
    ref = 3.0 * slow_pkt(fs.tolist(), ft.tolist(), include_self, reduction)
    assert loss.item() == pytest.approx(ref, rel=1e-5)


def test_hand_worked():
    # B = 3, self excluded. Teacher: x0 = x1 = e1, x2 = -e1: kernels
    # K01 = 1, K02 = K12 = 0 -> p_{.|0} = (-, 1, 0), p_{.|1} = (1, -, 0),
    # p_{.|2} = (1/2, 1/2, -) (0/0 avoided: K20 = K21 = 0 -> clamped sum).
    # Student: orthogonal e1, e2, e3: every kernel 1/2 -> uniform 1/2.
    # Rows 0 and 1 give 1 * ln(1 / (1/2)) = ln 2; row 2 has zero kernel
    # mass and contributes 0. Loss = 2 ln 2 / 3.
    ft = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    fs = torch.eye(3)
    loss = PKTLoss()(fs, ft)
    assert loss.item() == pytest.approx(2 * math.log(2) / 3, rel=1e-5)


def test_feature_maps_are_flattened_and_grad_student_only():
    fs = torch.randn(4, 2, 3, 3, requires_grad=True)
    ft = torch.randn(4, 6, 3, 3, requires_grad=True)
    loss = PKTLoss()(fs, ft)
    ref = slow_pkt(fs.detach().flatten(1).tolist(),
                   ft.detach().flatten(1).tolist())
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    loss.backward()
    assert fs.grad is not None and fs.grad.abs().sum() > 0
    assert ft.grad is None


def test_identical_features_give_zero():
    f = torch.randn(6, 4)
    assert PKTLoss()(f, f.clone()).item() == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize('include_self', [False, True])
def test_batch_of_one_is_zero_and_attached(include_self):
    # A last batch of one image has no neighbour: 0, with a graph to the
    # student (DDP expects one every step).
    fs = torch.randn(1, 4, requires_grad=True)
    loss = PKTLoss(include_self=include_self)(fs, torch.randn(1, 4))
    assert loss.item() == 0 and loss.requires_grad
    loss.backward()
    assert torch.equal(fs.grad, torch.zeros_like(fs))


def test_float64_stays_float64():
    fs = torch.randn(5, 3, dtype=torch.float64)
    ft = torch.randn(5, 3, dtype=torch.float64)
    loss = PKTLoss()(fs, ft)
    assert loss.dtype == torch.float64
    assert loss.item() == pytest.approx(
        slow_pkt(fs.tolist(), ft.tolist()), rel=1e-12)


def test_errors():
    with pytest.raises(ValueError, match='student batch 3 differs'):
        PKTLoss()(torch.randn(3, 4), torch.randn(2, 4))
    with pytest.raises(ValueError, match='B x'):
        PKTLoss()(torch.randn(4), torch.randn(4))
    with pytest.raises(ValueError, match='reduction'):
        PKTLoss(reduction='none')
