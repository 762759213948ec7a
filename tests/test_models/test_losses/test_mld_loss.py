"""MLDLoss against a slow loop over (image, class) cells (docs/methods.md
§1.2)."""
import math

import pytest
import torch
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (registers the losses)
from mmlkd.models.losses import MLDLoss


def mld_loop(z_s, z_t, tau=1.0, eps=1e-8):
    """(T^2 / B) sum_i sum_c binary KL(p_t || p_s), one cell at a time."""
    B, C = z_s.shape
    total = 0.0
    for i in range(B):
        for c in range(C):
            ps = 1 / (1 + math.exp(-float(z_s[i, c]) / tau))
            pt = 1 / (1 + math.exp(-float(z_t[i, c]) / tau))
            ps = min(max(ps, eps), 1 - eps)
            pt = min(max(pt, eps), 1 - eps)
            total += pt * math.log(pt / ps) + (1 - pt) * math.log(
                (1 - pt) / (1 - ps))
    return tau**2 * total / B


def _logits(B, C, seed, scale=3.0):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(B, C, generator=g, dtype=torch.float64),
            scale * torch.randn(B, C, generator=g, dtype=torch.float64))


@pytest.mark.parametrize('seed', range(3))
def test_value_against_loop(seed):
    z_s, z_t = _logits(5, 7, seed)
    loss = MLDLoss()(z_s, z_t)
    assert math.isclose(float(loss), mld_loop(z_s, z_t), rel_tol=1e-5)


def test_hand_worked_cell():
    # One cell: z_s = 0 (p_s = 1/2), z_t = log 3 (p_t = 3/4):
    # KL = 3/4 log(3/2) + 1/4 log(1/2).
    z_s = torch.zeros(1, 1)
    z_t = torch.full((1, 1), math.log(3.0))
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert math.isclose(float(MLDLoss()(z_s, z_t)), expected, rel_tol=1e-5)


def test_zero_when_equal():
    z, _ = _logits(4, 6, seed=9)
    assert abs(float(MLDLoss()(z, z.clone()))) < 1e-12


@pytest.mark.parametrize('tau', [0.5, 2.0, 4.0])
def test_temperature(tau):
    z_s, z_t = _logits(4, 6, seed=1)
    loss = MLDLoss(tau=tau)(z_s, z_t)
    assert math.isclose(float(loss), mld_loop(z_s, z_t, tau=tau), rel_tol=1e-5)


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_clamping_of_saturated_logits(dtype):
    # sigmoid(60) is 1 - 1e-26 (exactly 1 in float32): the clamp at 1e-8
    # decides the value, and must not turn into log(0).
    z_s = torch.tensor([[60.0, -60.0, 0.0, 20.0]], dtype=dtype)
    z_t = torch.tensor([[-60.0, 60.0, 1.0, 1.0]], dtype=dtype)
    loss = MLDLoss()(z_s, z_t)
    assert torch.isfinite(loss)
    assert math.isclose(float(loss), mld_loop(z_s, z_t), rel_tol=1e-5)


def test_reductions_and_loss_weight():
    z_s, z_t = _logits(4, 5, seed=2)
    batchmean = mld_loop(z_s, z_t)
    assert math.isclose(
        float(MLDLoss(reduction='sum')(z_s, z_t)), batchmean * 4, rel_tol=1e-5)
    assert math.isclose(
        float(MLDLoss(reduction='mean')(z_s, z_t)),
        batchmean / 5,
        rel_tol=1e-5)
    assert math.isclose(
        float(MLDLoss(loss_weight=10.0)(z_s, z_t)),
        10 * batchmean,
        rel_tol=1e-5)


def test_gradients_reach_student_only():
    z_s, z_t = _logits(3, 4, seed=3)
    z_s.requires_grad_(True)
    z_t.requires_grad_(True)
    MLDLoss()(z_s, z_t).backward()
    assert z_t.grad is None
    assert float(z_s.grad.abs().sum()) > 0
    # d/dz_s of the binary KL is (p_s - p_t) / B (inside the clamp).
    expected = (torch.sigmoid(z_s.detach()) - torch.sigmoid(z_t.detach())) / 3
    torch.testing.assert_close(z_s.grad, expected, rtol=1e-6, atol=1e-9)


def test_built_from_registry():
    assert isinstance(MODELS.build(dict(type='MLDLoss', tau=2.0)), MLDLoss)


def test_shape_mismatch_error_names_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(2, 4\)'):
        MLDLoss()(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match='2-D'):
        MLDLoss()(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1))


def test_bad_arguments():
    with pytest.raises(ValueError, match='tau'):
        MLDLoss(tau=0)
    with pytest.raises(ValueError, match='reduction'):
        MLDLoss(reduction='none')
