"""STKDLoss against slow loops and the teacher-target interpolation."""
import math

import pytest
import torch

import mmlkd  # noqa: F401
from mmlkd.models.losses import STKDLoss


def sig(v):
    return 1 / (1 + math.exp(-v))


def slow_binary(zs, zt, tau, pt_rows=None):
    total = 0.0
    for i in range(len(zs)):
        for c in range(len(zs[0])):
            pt = pt_rows[i][c] if pt_rows else sig(zt[i][c] / tau)
            ps = sig(zs[i][c] / tau)
            total += pt * math.log(pt / ps) + (1 - pt) * math.log(
                (1 - pt) / (1 - ps))
    return tau**2 * total / len(zs)


def softmax_row(row, tau):
    m = max(row)
    e = [math.exp((v - m) / tau) for v in row]
    return [v / sum(e) for v in e]


def slow_softmax(zs, zt, tau, pt_rows=None):
    total = 0.0
    for i in range(len(zs)):
        pt = pt_rows[i] if pt_rows else softmax_row(zt[i], tau)
        ps = softmax_row(zs[i], tau)
        total += sum(p * math.log(p / q) for p, q in zip(pt, ps))
    return tau**2 * total / len(zs)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_multilabel_random(tau):
    torch.manual_seed(0)
    zs, zt = torch.randn(4, 5) * 3, torch.randn(4, 5) * 3
    loss = STKDLoss(tau=tau, loss_weight=0.5)(zs, zt)
    ref = 0.5 * slow_binary(zs.tolist(), zt.tolist(), tau)
    assert loss.item() == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize('tau', [1.0, 3.0])
def test_singlelabel_random(tau):
    torch.manual_seed(1)
    zs, zt = torch.randn(3, 6) * 3, torch.randn(3, 6) * 3
    loss = STKDLoss(tau=tau, mode='singlelabel')(zs, zt)
    ref = slow_softmax(zs.tolist(), zt.tolist(), tau)
    assert loss.item() == pytest.approx(ref, rel=1e-5)


def test_hand_worked_multilabel():
    # One cell: p_t = sigmoid(0) = 0.5, p_s = sigmoid(ln 3) = 0.75, T = 1:
    # KL = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) = 0.5 ln(4/3).
    zs = torch.tensor([[math.log(3.0)]])
    zt = torch.tensor([[0.0]])
    loss = STKDLoss(tau=1.0)(zs, zt)
    assert loss.item() == pytest.approx(0.5 * math.log(4 / 3), rel=1e-6)
    # Equal logits give 0 in both modes.
    z = torch.randn(3, 4)
    assert STKDLoss()(z, z.clone()).item() == pytest.approx(0, abs=1e-6)
    assert STKDLoss(mode='singlelabel')(z, z.clone()).item() == \
        pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize('mode', ['multilabel', 'singlelabel'])
def test_teacher_target_variant(mode):
    torch.manual_seed(2)
    zs, zt = torch.randn(4, 3), torch.randn(4, 3)
    lam, perm = torch.tensor(0.3), torch.tensor([2, 0, 3, 1])
    tau = 2.0
    loss = STKDLoss(tau=tau, mode=mode)(zs, zt, mix_lambda=lam, mix_perm=perm)
    zt_l = zt.tolist()
    if mode == 'multilabel':
        pt = [[
            0.3 * sig(zt_l[i][c] / tau) +
            0.7 * sig(zt_l[int(perm[i])][c] / tau) for c in range(3)
        ] for i in range(4)]
        ref = slow_binary(zs.tolist(), None, tau, pt_rows=pt)
    else:
        rows = [softmax_row(r, tau) for r in zt_l]
        pt = [[
            0.3 * rows[i][c] + 0.7 * rows[int(perm[i])][c] for c in range(3)
        ] for i in range(4)]
        ref = slow_softmax(zs.tolist(), None, tau, pt_rows=pt)
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    # lambda = 1 is the plain loss.
    plain = STKDLoss(tau=tau, mode=mode)(zs, zt)
    one = STKDLoss(tau=tau, mode=mode)(zs, zt, mix_lambda=1.0, mix_perm=perm)
    assert one.item() == pytest.approx(plain.item(), rel=1e-6)


@pytest.mark.parametrize('mode', ['multilabel', 'singlelabel'])
def test_gradient_student_only(mode):
    zs = torch.randn(3, 4, requires_grad=True)
    zt = torch.randn(3, 4, requires_grad=True)
    STKDLoss(mode=mode)(zs, zt, torch.tensor(0.4),
                        torch.tensor([1, 2, 0])).backward()
    assert zs.grad is not None and zs.grad.abs().sum() > 0
    assert zt.grad is None


def test_gradient_matches_autograd_of_formula():
    zs = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    zt = torch.randn(3, 4, dtype=torch.float64)
    tau = 2.0
    STKDLoss(tau=tau)(zs, zt).backward()
    # d/dz_s of T^2/B sum KL = T/B (sigma(z_s/T) - sigma(z_t/T)).
    expected = tau / 3 * (
        torch.sigmoid(zs.detach() / tau) - torch.sigmoid(zt / tau))
    assert torch.allclose(zs.grad, expected, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match='mode'):
        STKDLoss(mode='softmax')
    with pytest.raises(ValueError, match='tau'):
        STKDLoss(tau=0)
    with pytest.raises(ValueError, match='together'):
        STKDLoss()(torch.randn(2, 3), torch.randn(2, 3), mix_lambda=0.5)
    with pytest.raises(ValueError, match=r'mix_perm has shape \(3,\)'):
        STKDLoss()(torch.randn(2, 3), torch.randn(2, 3), 0.5,
                   torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(2, 4\)'):
        STKDLoss()(torch.randn(2, 3), torch.randn(2, 4))


def _slow_binary_f64(zs, zt, tau):
    """Binary KL from log-sigmoids of Python floats (math.log1p/exp)."""

    def log_sig(v):  # log(1 / (1 + e^-v)), stable for both signs
        return -math.log1p(math.exp(-v)) if v >= 0 else \
            v - math.log1p(math.exp(v))

    total = 0.0
    for row_s, row_t in zip(zs, zt):
        for s, t in zip(row_s, row_t):
            lpt, l1pt = log_sig(t / tau), log_sig(-t / tau)
            lps, l1ps = log_sig(s / tau), log_sig(-s / tau)
            total += math.exp(lpt) * (lpt - lps) + math.exp(l1pt) * (
                l1pt - l1ps)
    return tau**2 * total / len(zs)


def test_issue_case_is_finite():
    # sigmoid(17) rounds to 1 in float32: this gave 0 * log 0 = nan.
    loss = STKDLoss(tau=1.)(torch.zeros(1, 1), torch.full((1, 1), 17.))
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(
        _slow_binary_f64([[0.]], [[17.]], 1.), rel=1e-5)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('mode', ['multilabel', 'singlelabel'])
@pytest.mark.parametrize('mixed', [False, True])
def test_finite_value_and_gradient_at_30(dtype, mode, mixed):
    # Every sign combination of +-30 for student and teacher, tau = 1.
    vals = [-30., 30., 0.]
    zs = torch.tensor([[a for a in vals for _ in vals]], dtype=dtype)
    zt = torch.tensor([[b for _ in vals for b in vals]], dtype=dtype)
    zs = torch.cat([zs, zs.flip(1)]).requires_grad_()
    zt = torch.cat([zt, -zt])
    args = (torch.tensor(0.25), torch.tensor([1, 0])) if mixed else ()
    loss = STKDLoss(tau=1., mode=mode)(zs, zt, *args)
    loss.backward()
    assert loss.dtype == dtype
    assert torch.isfinite(loss) and torch.isfinite(zs.grad).all()
    assert zs.grad.abs().sum() > 0
    if mode == 'multilabel' and not mixed:
        ref = _slow_binary_f64(zs.tolist(), zt.tolist(), 1.)
        assert loss.item() == pytest.approx(ref, rel=1e-6, abs=1e-12)
        # Gradient T/B (sigma(z_s/T) - sigma(z_t/T)) in float64.
        expected = (torch.sigmoid(zs.detach().double()) -
                    torch.sigmoid(zt.double())) / 2
        torch.testing.assert_close(
            zs.grad.double(), expected, rtol=1e-5, atol=1e-7)
    if mixed:
        # Teacher-target variant against the probability-space formula in
        # float64, where 1 - p is still representable for |z| = 30.
        z64, t64 = zs.detach().double(), zt.double()
        if mode == 'multilabel':
            # 1 - p from sigmoid(-z): 1 - sigmoid(30) loses digits.
            def mix(t):
                return 0.25 * torch.sigmoid(t) + 0.75 * torch.sigmoid(t[[1, 0
                                                                         ]])

            pt, qt = mix(t64), mix(-t64)
            kl = torch.xlogy(pt, pt) - pt * torch.sigmoid(z64).log() + \
                torch.xlogy(qt, qt) - qt * torch.sigmoid(-z64).log()
        else:
            rows = torch.softmax(t64, 1)
            pt = 0.25 * rows + 0.75 * rows[[1, 0]]
            kl = torch.xlogy(pt, pt) - pt * torch.log_softmax(z64, 1)
        assert loss.item() == pytest.approx(
            float(kl.sum() / 2), rel=1e-5, abs=1e-9)


def test_mixture_at_lambda_zero_and_one():
    zs, zt = torch.randn(3, 4), torch.randn(3, 4) * 40
    perm = torch.tensor([2, 0, 1])
    for mode in ('multilabel', 'singlelabel'):
        f = STKDLoss(tau=1., mode=mode)
        torch.testing.assert_close(f(zs, zt, 1.0, perm), f(zs, zt))
        torch.testing.assert_close(f(zs, zt, 0.0, perm), f(zs, zt[perm]))
