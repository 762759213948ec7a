"""BinaryKDLoss against a slow loop and its documented relation to MLD."""
import math

import pytest
import torch

import mmlkd  # noqa: F401
from mmlkd.models.losses import BinaryKDLoss, MLDLoss


def slow_bce(zs, zt, tau, reduction):
    cells = []
    for i in range(len(zs)):
        for c in range(len(zs[0])):
            pt = 1 / (1 + math.exp(-zt[i][c] / tau))
            ps = 1 / (1 + math.exp(-zs[i][c] / tau))
            cells.append(-pt * math.log(ps) - (1 - pt) * math.log(1 - ps))
    total = sum(cells)
    div = {'mean': len(cells), 'batchmean': len(zs), 'sum': 1}[reduction]
    return tau**2 * total / div


@pytest.mark.parametrize('reduction', ['mean', 'batchmean', 'sum'])
@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_random_against_slow_loop(reduction, tau):
    torch.manual_seed(0)
    zs, zt = torch.randn(4, 6) * 3, torch.randn(4, 6) * 3
    loss = BinaryKDLoss(tau=tau, reduction=reduction, loss_weight=2.0)(zs, zt)
    ref = 2.0 * slow_bce(zs.tolist(), zt.tolist(), tau, reduction)
    assert loss.item() == pytest.approx(ref, rel=1e-5)


def test_hand_worked():
    # p_t = p_s = 0.5 (logits 0): BCE = ln 2 per cell, T^2 = 1.
    z = torch.zeros(2, 3)
    assert BinaryKDLoss(tau=1.0)(z, z).item() == pytest.approx(math.log(2))


def test_relation_to_mld():
    """BinaryKD(mean) = MLD(batchmean) / C + T^2 mean(H(p_t))."""
    torch.manual_seed(3)
    zs, zt = torch.randn(5, 7), torch.randn(5, 7)
    tau = 2.0
    p_t = torch.sigmoid(zt / tau)
    entropy = -(p_t * p_t.log() + (1 - p_t) * (1 - p_t).log()).mean()
    lhs = BinaryKDLoss(tau=tau)(zs, zt)
    rhs = MLDLoss(tau=tau)(zs, zt) / 7 + tau**2 * entropy
    assert lhs.item() == pytest.approx(rhs.item(), rel=1e-5)


def test_gradient_student_only_and_value():
    zs = torch.randn(3, 4, requires_grad=True)
    zt = torch.randn(3, 4, requires_grad=True)
    tau = 3.0
    BinaryKDLoss(tau=tau)(zs, zt).backward()
    assert zt.grad is None
    # d/dz_s of T^2 mean BCE(z_s/T, p_t) = T (sigma(z_s/T) - p_t) / (B C).
    expected = tau * (torch.sigmoid(zs.detach() / tau) -
                      torch.sigmoid(zt.detach() / tau)) / 12
    assert torch.allclose(zs.grad, expected, atol=1e-6)


def test_extreme_logits_finite():
    zs = torch.tensor([[1e4, -1e4]], requires_grad=True)
    zt = torch.tensor([[-1e4, 1e4]])
    loss = BinaryKDLoss(tau=1.0)(zs, zt)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(zs.grad).all()


def test_errors():
    with pytest.raises(ValueError, match='reduction'):
        BinaryKDLoss(reduction='none')
    with pytest.raises(ValueError, match='tau'):
        BinaryKDLoss(tau=-1)
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(3, 3\)'):
        BinaryKDLoss()(torch.randn(2, 3), torch.randn(3, 3))
