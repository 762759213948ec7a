"""RKDLoss against slow loops over image pairs and triples."""
import math

import pytest
import torch
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (compat + registration)
from mmlkd.models.losses import RKDLoss


def _smooth_l1(x: float) -> float:
    return 0.5 * x * x if abs(x) < 1 else abs(x) - 0.5


def _normalise(rows):
    out = []
    for r in rows:
        n = math.sqrt(sum(v * v for v in r))
        out.append([v / n for v in r])
    return out


def _dist(a, b):
    # mmrazor clamps the squared distance at 1e-12 before the root.
    return math.sqrt(max(sum((x - y)**2 for x, y in zip(a, b)), 1e-12))


def slow_distance(fs, ft):
    b = len(fs)

    def potentials(f):
        d = [[0.0 if i == j else _dist(f[i], f[j]) for j in range(b)]
             for i in range(b)]
        pos = [v for row in d for v in row if v > 0]
        mu = sum(pos) / len(pos)
        return [[v / mu for v in row] for row in d]

    ps, pt = potentials(fs), potentials(ft)
    return sum(
        _smooth_l1(ps[i][j] - pt[i][j]) for i in range(b)
        for j in range(b)) / b**2


def slow_angle(fs, ft):
    b = len(fs)

    def unit(f, i, j):
        # e = f_j - f_i (mmrazor: pred[j] - pred[i] at [i, j]); 0 stays 0.
        e = [y - x for x, y in zip(f[i], f[j])]
        n = math.sqrt(sum(v * v for v in e))
        return [v / max(n, 1e-12) for v in e]

    def cos(f):
        return [
            sum(x * y for x, y in zip(unit(f, i, j), unit(f, i, k)))
            for i in range(b) for j in range(b) for k in range(b)
        ]

    cs, ct = cos(fs), cos(ft)
    return sum(_smooth_l1(s - t) for s, t in zip(cs, ct)) / b**3


@pytest.mark.parametrize('weights', [(25.0, 50.0), (1.0, 0.0), (0.0, 2.0)])
def test_against_slow_loops(weights):
    torch.manual_seed(0)
    fs = torch.randn(5, 3, dtype=torch.float64)
    ft = torch.randn(5, 6, dtype=torch.float64)  # widths may differ
    loss = RKDLoss(
        distance_weight=weights[0], angle_weight=weights[1],
        loss_weight=0.5)(fs, ft)
    ns, nt = _normalise(fs.tolist()), _normalise(ft.tolist())
    ref = 0.5 * (
        weights[0] * slow_distance(ns, nt) + weights[1] * slow_angle(ns, nt))
    assert loss.item() == pytest.approx(ref, rel=1e-9)


def test_feature_maps_flattened_grad_student_only():
    fs = torch.randn(4, 2, 3, 3, requires_grad=True)
    ft = torch.randn(4, 5, 1, 1, requires_grad=True)
    loss = RKDLoss()(fs, ft)
    loss.backward()
    assert fs.grad.abs().sum() > 0 and ft.grad is None
    ref = RKDLoss()(fs.detach().flatten(1), ft.detach().flatten(1))
    assert loss.item() == pytest.approx(ref.item())


def test_batch_of_one_is_zero_and_attached():
    # mmrazor's distance term alone gives NaN (0 / 0) here.
    fs = torch.randn(1, 4, requires_grad=True)
    loss = RKDLoss()(fs, torch.randn(1, 4))
    assert loss.item() == 0 and loss.requires_grad
    loss.backward()
    assert torch.equal(fs.grad, torch.zeros_like(fs))


def test_errors_and_registry():
    with pytest.raises(ValueError, match=r'RKDLoss.*\(3, 4\).*\(2, 4\)'):
        RKDLoss()(torch.randn(3, 4), torch.randn(2, 4))
    with pytest.raises(ValueError, match='angle_weight'):
        RKDLoss(angle_weight=-1.0)
    loss = MODELS.build(dict(type='RKDLoss', distance_weight=2.0))
    assert isinstance(loss, RKDLoss) and loss.distance.loss_weight == 2.0
