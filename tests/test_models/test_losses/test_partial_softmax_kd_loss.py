"""PartialSoftmaxKDLoss against an explicit per-(image, positive) loop."""
import math

import pytest
import torch

import mmlkd  # noqa: F401
from mmlkd.models.losses import PartialSoftmaxKDLoss


def slow_partial(zs, zt, y, tau=1.0):
    """Loop over images and positives; a torch graph so grads compare too."""
    total = zs.new_zeros(())
    b, c = y.shape
    for i in range(b):
        negs = [k for k in range(c) if y[i, k] == 0]
        for p in range(c):
            if y[i, p] != 1:
                continue
            idx = torch.tensor(negs + [p])
            log_qs = torch.log_softmax(zs[i, idx] / tau, dim=0)
            log_qt = torch.log_softmax(zt[i, idx] / tau, dim=0)
            total = total + (log_qt.exp() * (log_qt - log_qs)).sum()
    return tau**2 * total / b


def test_hand_worked():
    # One image, y = [1, 0]: one set {0, 1}; teacher softmax of [ln 3, 0] is
    # [.75, .25], student [.5, .5]: KL = .75 ln 1.5 + .25 ln .5.
    zs = torch.tensor([[0.0, 0.0]])
    zt = torch.tensor([[math.log(3.0), 0.0]])
    y = torch.tensor([[1.0, 0.0]])
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    loss = PartialSoftmaxKDLoss()(zs, zt, y)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('tau', [1.0, 2.5])
def test_random_against_loop_value_and_grad(tau):
    torch.manual_seed(0)
    b, c = 6, 7
    zs = (torch.randn(b, c, dtype=torch.float64) * 3).requires_grad_(True)
    zt = torch.randn(b, c, dtype=torch.float64) * 3
    y = (torch.rand(b, c) < 0.35).double()
    y[0] = 0  # no positives: skipped
    y[1] = 1  # no negatives: each set is {p}, KL 0
    y[2] = 0
    y[2, 3] = 1  # a single positive
    loss = PartialSoftmaxKDLoss(tau=tau, loss_weight=1.5)(zs, zt, y)
    grad, = torch.autograd.grad(loss, zs)
    zs_ref = zs.detach().clone().requires_grad_(True)
    ref = 1.5 * slow_partial(zs_ref, zt, y, tau)
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    assert torch.allclose(grad.double(), zs_ref.grad, rtol=1e-4, atol=1e-6)


def test_rows_without_positives_or_negatives():
    zs, zt = torch.randn(2, 4), torch.randn(2, 4)
    assert PartialSoftmaxKDLoss()(zs, zt, torch.zeros(2, 4)).item() == 0
    assert PartialSoftmaxKDLoss()(zs, zt, torch.ones(2, 4)).item() == \
        pytest.approx(0, abs=1e-6)


def test_gradient_student_only_and_finite_at_extremes():
    zs = torch.tensor([[1e3, -1e3, 0.0], [5.0, 5.0, 5.0]], requires_grad=True)
    zt = torch.tensor([[-1e3, 1e3, 0.0], [1.0, 2.0, 3.0]], requires_grad=True)
    y = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    loss = PartialSoftmaxKDLoss()(zs, zt, y)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(zs.grad).all() and zs.grad.abs().sum() > 0
    assert zt.grad is None


def test_errors():
    zs, zt = torch.randn(2, 3), torch.randn(2, 3)
    with pytest.raises(ValueError, match='multi-hot'):
        PartialSoftmaxKDLoss()(zs, zt, torch.full((2, 3), 0.5))
    with pytest.raises(ValueError, match=r'target shape \(2, 4\)'):
        PartialSoftmaxKDLoss()(zs, zt, torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(2, 5\)'):
        PartialSoftmaxKDLoss()(zs, torch.randn(2, 5), torch.zeros(2, 3))
    with pytest.raises(ValueError, match='tau'):
        PartialSoftmaxKDLoss(tau=0)
