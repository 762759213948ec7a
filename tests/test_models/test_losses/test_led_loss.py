"""LEDLoss against a slow per-set loop of the formula (docs/methods.md
§1.3)."""
import math

import pytest
import torch
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (registers the losses)
from mmlkd.models.losses import LEDLoss


def _smooth_l1(x: torch.Tensor) -> torch.Tensor:
    ax = x.abs()
    return 0.5 * x * x if ax < 1 else ax - 0.5


def _psi_loop(members_S, members_T, eps=1e-12):
    """psi of one set, one pair at a time."""
    m = len(members_S)

    def norm_dist(members):
        d = [[None] * m for _ in range(m)]
        for a in range(m):
            for b in range(m):
                if a == b:
                    d[a][b] = members[a].new_zeros(())
                else:
                    ea, eb = members[a], members[b]
                    sq = (ea * ea).sum() + (eb *
                                            eb).sum() - 2 * (ea * eb).sum()
                    d[a][b] = torch.sqrt(torch.clamp(sq, min=eps))
        pos = [d[a][b] for a in range(m) for b in range(m) if d[a][b] > 0]
        mean = sum(pos) / len(pos)
        return [[d[a][b] / mean for b in range(m)] for a in range(m)]

    ds = norm_dist(members_S)
    with torch.no_grad():
        dt = norm_dist([e.detach() for e in members_T])
    total = 0
    for a in range(m):
        for b in range(m):
            total = total + _smooth_l1(ds[a][b] - dt[a][b])
    return total / m


def led_loop(h_s, h_t, y, cd_weight=100.0, id_weight=1000.0):
    """L_LED = cd * sum_c psi(class sets) + id * sum_i psi(image sets)."""
    B, C, _ = h_s.shape
    cd = h_s.new_zeros(())
    for c in range(C):
        idx = [i for i in range(B) if y[i, c] == 1]
        if len(idx) >= 2:
            cd = cd + _psi_loop([h_s[i, c]
                                 for i in idx], [h_t[i, c] for i in idx])
    id_ = h_s.new_zeros(())
    for i in range(B):
        idx = [c for c in range(C) if y[i, c] == 1]
        if len(idx) >= 2:
            id_ = id_ + _psi_loop([h_s[i, c]
                                   for c in idx], [h_t[i, c] for c in idx])
    return cd_weight * cd + id_weight * id_


def _inputs(B, C, D, density, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    h_s = torch.randn(B, C, D, generator=g, dtype=dtype)
    h_t = torch.randn(B, C, D, generator=g, dtype=dtype)
    y = (torch.rand(B, C, generator=g) < density).float()
    return h_s, h_t, y


def _assert_close(a, b, rtol=1e-5):
    a, b = float(a), float(b)
    assert math.isclose(a, b, rel_tol=rtol, abs_tol=1e-9), (a, b)


def test_sets_of_0_1_2_and_many():
    # Columns (CD sets): class 0 has 0 members, 1 has 1, 2 has 2, 3 has 5.
    # Rows (ID sets): image 0 has 3 members, image 1 has 2, images 2-4 have 1.
    y = torch.tensor(
        [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 1]],
        dtype=torch.float32)
    h_s, h_t, _ = _inputs(5, 4, 6, 0.5, seed=0)
    loss = LEDLoss()(h_s, h_t, y)
    ref = led_loop(h_s, h_t, y)
    assert float(ref) > 0
    _assert_close(loss, ref)


@pytest.mark.parametrize('seed', range(6))
def test_random_against_loop(seed):
    B, C, D = [(8, 5, 7), (6, 10, 3), (12, 4, 16), (3, 9, 5), (10, 10, 8),
               (7, 3, 2)][seed]
    density = [0.3, 0.5, 0.7, 0.9, 0.15, 1.0][seed]
    h_s, h_t, y = _inputs(B, C, D, density, seed)
    loss = LEDLoss(cd_weight=3.0, id_weight=7.0, loss_weight=0.5)(h_s, h_t, y)
    ref = 0.5 * led_loop(h_s, h_t, y, cd_weight=3.0, id_weight=7.0)
    _assert_close(loss, ref)


def test_cd_and_id_parts_separately():
    h_s, h_t, y = _inputs(9, 6, 5, 0.5, seed=11)
    _assert_close(
        LEDLoss(cd_weight=1, id_weight=0)(h_s, h_t, y),
        led_loop(h_s, h_t, y, 1, 0))
    _assert_close(
        LEDLoss(cd_weight=0, id_weight=1)(h_s, h_t, y),
        led_loop(h_s, h_t, y, 0, 1))


def test_sets_of_two_give_zero():
    # Every row and every column has exactly 2 or fewer members.
    y = torch.tensor([[1, 1, 0, 0], [1, 0, 0, 1], [0, 1, 1, 0], [0, 0, 1, 1]],
                     dtype=torch.float32)
    h_s, h_t, _ = _inputs(4, 4, 3, 0.5, seed=2)
    assert float(LEDLoss()(h_s, h_t, y)) == 0.0


def test_no_positives():
    h_s, h_t, _ = _inputs(4, 5, 3, 0.5, seed=3)
    h_s.requires_grad_(True)
    loss = LEDLoss()(h_s, h_t, torch.zeros(4, 5))
    assert float(loss.detach()) == 0.0
    loss.backward()
    assert h_s.grad is not None and float(h_s.grad.abs().sum()) == 0.0


def test_identical_embeddings_in_a_set():
    # Distances of 0 are clamped to sqrt(1e-12) by both implementations.
    h_s, h_t, y = _inputs(5, 3, 4, 1.0, seed=4)
    h_s[1] = h_s[0]
    h_t[2, :2] = h_t[2, 2]
    _assert_close(LEDLoss()(h_s, h_t, y), led_loop(h_s, h_t, y))


def test_float32_matches_float64_loop():
    h_s, h_t, y = _inputs(8, 6, 32, 0.5, seed=5)
    loss = LEDLoss()(h_s.float(), h_t.float(), y)
    assert loss.dtype == torch.float32
    _assert_close(loss, led_loop(h_s, h_t, y), rtol=1e-4)


def test_gradients_reach_student_only_and_match_loop():
    h_s, h_t, y = _inputs(7, 5, 4, 0.6, seed=6)
    h_s1 = h_s.clone().requires_grad_(True)
    h_t1 = h_t.clone().requires_grad_(True)
    LEDLoss()(h_s1, h_t1, y).backward()
    assert h_t1.grad is None
    h_s2 = h_s.clone().requires_grad_(True)
    led_loop(h_s2, h_t, y).backward()
    assert float(h_s1.grad.abs().sum()) > 0
    torch.testing.assert_close(h_s1.grad, h_s2.grad, rtol=1e-5, atol=1e-9)
    # Negatives are in no set: no gradient.
    assert float(h_s1.grad[y == 0].abs().sum()) == 0.0


def test_half_precision_inputs_computed_in_float32():
    h_s, h_t, y = _inputs(6, 4, 8, 0.7, seed=7)
    loss = LEDLoss()(h_s.to(torch.bfloat16), h_t.to(torch.bfloat16), y)
    assert loss.dtype == torch.float32
    ref = led_loop(
        h_s.to(torch.bfloat16).double(),
        h_t.to(torch.bfloat16).double(), y)
    _assert_close(loss, ref, rtol=1e-3)


def test_built_from_registry():
    loss = MODELS.build(dict(type='LEDLoss', cd_weight=2, id_weight=3))
    assert isinstance(loss, LEDLoss)
    assert (loss.cd_weight, loss.id_weight) == (2, 3)


def test_batch_of_one_counts_its_id_set_only():
    # A last batch of one image: no CD set has 2 members, the ID set counts.
    h_s, h_t, y = _inputs(1, 6, 4, 0.7, seed=3)
    y[0, :4] = 1
    h_s.requires_grad_(True)
    loss = LEDLoss()(h_s, h_t, y)
    _assert_close(loss, led_loop(h_s, h_t, y, cd_weight=0.0))
    assert loss.item() > 0
    loss.backward()
    assert h_s.grad.abs().sum() > 0


def test_shape_mismatch_error_names_shapes():
    with pytest.raises(ValueError, match=r'\(2, 3, 4\).*\(2, 3, 5\)'):
        LEDLoss()(torch.zeros(2, 3, 4), torch.zeros(2, 3, 5),
                  torch.zeros(2, 3))
    with pytest.raises(ValueError, match='3-D'):
        LEDLoss()(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r'target shape \(2, 4\)'):
        LEDLoss()(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4),
                  torch.zeros(2, 4))


@pytest.mark.parametrize('bad', [0.5, -1.0, 2.0])
def test_non_binary_targets_rejected(bad):
    y = torch.zeros(2, 3)
    y[0, 1] = bad
    with pytest.raises(ValueError, match='multi-hot'):
        LEDLoss()(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), y)


def test_negative_weights_rejected():
    with pytest.raises(ValueError, match='cd_weight'):
        LEDLoss(cd_weight=-1)


def test_autocast_does_not_lower_precision():
    # Under AMP the pairwise products must still run in float32.
    h_s, h_t, y = _inputs(8, 6, 64, 0.6, seed=8)
    h_s, h_t = h_s + 3, h_t + 3  # large norms: |a|^2 + |b|^2 - 2ab cancels
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = LEDLoss()(h_s.float(), h_t.float(), y)
    assert loss.dtype == torch.float32
    _assert_close(loss, led_loop(h_s, h_t, y), rtol=1e-4)


def _coco_like_targets(B, C, seed):
    """One class in about half the images, the others long-tailed (a
    geometric decay of frequencies, as COCO's sorted class frequencies)."""
    g = torch.Generator().manual_seed(seed)
    freq = torch.cat([
        torch.tensor([0.55], dtype=torch.float64),
        torch.logspace(
            math.log10(0.3), math.log10(0.02), C - 1, dtype=torch.float64)
    ])
    y = torch.rand(B, C, generator=g, dtype=torch.float64) < freq
    return y.float()


@pytest.mark.parametrize('seed', [0, 1])
def test_coco_like_statistics_against_loop(seed):
    # Set sizes from 3 to about 22 (the frequent class): several runs of
    # sets padded to different widths, CD and ID sets mixed in one run.
    B, C, D = 40, 12, 6
    y = _coco_like_targets(B, C, seed)
    sizes = torch.cat([y.sum(0), y.sum(1)])
    assert int(sizes.max()) >= 16 and int(
        ((sizes >= 3) & (sizes <= 5)).sum()) > 0
    h_s, h_t, _ = _inputs(B, C, D, 0.5, seed)
    h_s1 = h_s.clone().requires_grad_(True)
    loss = LEDLoss()(h_s1, h_t, y)
    loss.backward()
    h_s2 = h_s.clone().requires_grad_(True)
    ref = led_loop(h_s2, h_t, y)
    ref.backward()
    _assert_close(loss, ref, rtol=1e-6)
    torch.testing.assert_close(h_s1.grad, h_s2.grad, rtol=1e-6, atol=1e-12)


def test_size_buckets_cover_every_set_within_a_factor_2():
    from mmlkd.models.losses.led_loss import _size_buckets
    sizes = [40, 33, 21, 20, 11, 10, 9, 6, 5, 3, 3]
    runs = _size_buckets(sizes)
    assert runs == [(0, 3, 40), (3, 5, 20), (5, 8, 10), (8, 11, 5)]
    for start, end, width in runs:
        assert width == sizes[start]
        assert all(width < 2 * s for s in sizes[start:end])
    assert _size_buckets([]) == []
