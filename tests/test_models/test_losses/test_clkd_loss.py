"""CLKDLoss against slow loops and a hand-worked case (DDP:
test_distributed_equality)."""
import pytest
import torch
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (compat + registration)
from mmlkd.models.losses import CLKDLoss


def slow_nmse(a, b):
    """Row-normalised MSE with explicit loops (rows of a / b)."""
    rows, cols = len(a), len(a[0])
    total = 0.0
    for r in range(rows):
        na = sum(v * v for v in a[r])**0.5
        nb = sum(v * v for v in b[r])**0.5
        for c in range(cols):
            total += (a[r][c] / na - b[r][c] / nb)**2
    return total / (rows * cols)


def slow_gram(z, axis, center, divisor):
    b, c = len(z), len(z[0])
    if center:
        means = [sum(z[i][k] for i in range(b)) / b for k in range(c)]
        z = [[z[i][k] - means[k] for k in range(c)] for i in range(b)]
    if axis == 'class':
        n, size = b, c
        g = [[sum(z[i][p] * z[i][q] for i in range(b)) for q in range(c)]
             for p in range(c)]
    else:
        n, size = c, b
        g = [[sum(z[p][k] * z[q][k] for k in range(c)) for q in range(b)]
             for p in range(b)]
    div = {'unbiased': n - 1, 'biased': n, 'none': 1}[divisor]
    return [[g[p][q] / div for q in range(size)] for p in range(size)]


def slow_clkd(zs,
              zt,
              instance=0.5,
              class_level=1.0,
              correlation=0.4,
              on='logits',
              axis='class',
              center=True,
              divisor='unbiased',
              squared=True,
              reduction='mean',
              loss_weight=1.0):
    import math
    if on == 'sigmoid':
        zs = [[1 / (1 + math.exp(-v)) for v in row] for row in zs]
        zt = [[1 / (1 + math.exp(-v)) for v in row] for row in zt]
    zs_t = [list(col) for col in zip(*zs)]
    zt_t = [list(col) for col in zip(*zt)]
    gs = slow_gram(zs, axis, center, divisor)
    gt = slow_gram(zt, axis, center, divisor)
    sq = sum((gs[p][q] - gt[p][q])**2 for p in range(len(gs))
             for q in range(len(gs)))
    cc = sq if squared else sq**0.5
    if reduction == 'mean':
        cc /= len(gs)**2
    return loss_weight * (
        instance * slow_nmse(zs, zt) + class_level * slow_nmse(zs_t, zt_t) +
        correlation * cc)


def test_hand_worked_case():
    # Rows and columns of Z_s, Z_t are parallel: both NMSE terms are 0.
    # Centred Gram (B - 1 = 1): G_s = [[.5, -.5], [-.5, .5]],
    # G_t = [[2, -3], [-3, 4.5]]; ||diff||^2 = 2.25 + 2 * 6.25 + 16 = 30.75,
    # / C^2 = 7.6875, * 0.4 = 3.075.
    zs = torch.tensor([[1., 0.], [0., 1.]])
    zt = torch.tensor([[2., 0.], [0., 3.]])
    loss = CLKDLoss()(zs, zt)
    assert loss.item() == pytest.approx(3.075, rel=1e-6)


@pytest.mark.parametrize('opts', [
    dict(),
    dict(on='sigmoid'),
    dict(axis='batch'),
    dict(center=False, divisor='biased'),
    dict(divisor='none', squared=False, reduction='sum'),
    dict(instance=0.0, class_level=0.0, correlation=1.0, loss_weight=2.0),
])
def test_random_against_slow_loops(opts):
    torch.manual_seed(0)
    zs, zt = torch.randn(5, 4) * 2, torch.randn(5, 4) * 2
    keys = dict(
        axis='corr_axis',
        center='corr_center',
        divisor='corr_divisor',
        squared='corr_squared',
        reduction='corr_reduction')
    cfg = {keys.get(k, k): v for k, v in opts.items()}
    loss = CLKDLoss(**cfg)(zs, zt)
    ref = slow_clkd(zs.tolist(), zt.tolist(), **opts)
    assert loss.item() == pytest.approx(ref, rel=1e-5, abs=1e-7)


def test_identical_inputs_give_zero():
    z = torch.randn(6, 3)
    assert CLKDLoss()(z, z.clone()).item() == pytest.approx(0, abs=1e-7)


def test_gradient_reaches_student_only():
    zs = torch.randn(4, 3, requires_grad=True)
    zt = torch.randn(4, 3, requires_grad=True)
    CLKDLoss()(zs, zt).backward()
    assert zs.grad is not None and zs.grad.abs().sum() > 0
    assert zt.grad is None


def test_batch_of_one_keeps_only_the_instance_term():
    # A last batch of one image (issue: CLKD crashed mid-epoch): the batch
    # statistics are 0, the per-image term is unchanged.
    zs = torch.randn(1, 5, requires_grad=True)
    zt = torch.randn(1, 5)
    loss = CLKDLoss(loss_weight=2.0)(zs, zt)
    ref = 2.0 * 0.5 * slow_nmse(zs.tolist(), zt.tolist())
    assert torch.isfinite(loss) and loss.item() == pytest.approx(ref, rel=1e-6)
    loss.backward()
    assert zs.grad.abs().sum() > 0
    # Batch terms only: 0, still attached to the student (DDP needs a graph).
    zs.grad = None
    only_batch = CLKDLoss(instance=0.0, corr_center=False)(zs, zt)
    assert only_batch.item() == 0 and only_batch.requires_grad
    only_batch.backward()
    assert torch.equal(zs.grad, torch.zeros_like(zs))


def test_autocast_keeps_the_gram_matmuls_in_float32():
    """Under AMP the value is the float32 one, not a half-precision one."""
    torch.manual_seed(3)
    zs = torch.randn(16, 12) * 8
    zt = torch.randn(16, 12) * 8
    ref = CLKDLoss()(zs, zt)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        amp = CLKDLoss()(zs.bfloat16().float(), zt.bfloat16().float())
    plain = CLKDLoss()(zs.bfloat16().float(), zt.bfloat16().float())
    assert amp.dtype == torch.float32
    assert amp.item() == pytest.approx(plain.item(), rel=1e-6)
    assert amp.item() == pytest.approx(ref.item(), rel=2e-2)


def test_errors():
    with pytest.raises(ValueError, match=r'\(4, 5\).*\(4, 6\)'):
        CLKDLoss()(torch.randn(4, 5), torch.randn(4, 6))
    with pytest.raises(ValueError, match='corr_axis'):
        CLKDLoss(corr_axis='rows')
    with pytest.raises(ValueError, match='on must be'):
        CLKDLoss(on='softmax')


def test_builds_from_registry():
    loss = MODELS.build(dict(type='CLKDLoss', corr_center=False))
    assert isinstance(loss, CLKDLoss) and not loss.corr_center
