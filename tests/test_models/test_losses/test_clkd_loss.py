"""CLKDLoss against slow loops, a hand-worked case, and a simulated DDP run."""
import pytest
import torch

import mmlkd  # noqa: F401  (compat + registration)
from mmlkd.models.losses import CLKDLoss
from mmlkd.models.losses import clkd_loss as clkd_mod
from mmrazor.registry import MODELS


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


def slow_clkd(zs, zt, instance=0.5, class_level=1.0, correlation=0.4,
              on='logits', axis='class', center=True, divisor='unbiased',
              squared=True, reduction='mean', loss_weight=1.0):
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
    return loss_weight * (instance * slow_nmse(zs, zt) +
                          class_level * slow_nmse(zs_t, zt_t) +
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
    keys = dict(axis='corr_axis', center='corr_center',
                divisor='corr_divisor', squared='corr_squared',
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


def test_errors():
    with pytest.raises(ValueError, match='batch of >= 2'):
        CLKDLoss()(torch.randn(1, 5), torch.randn(1, 5))
    # The instance term alone is per image: B = 1 is fine.
    CLKDLoss(class_level=0, correlation=0)(torch.randn(1, 5),
                                           torch.randn(1, 5))
    with pytest.raises(ValueError, match=r'\(4, 5\).*\(4, 6\)'):
        CLKDLoss()(torch.randn(4, 5), torch.randn(4, 6))
    with pytest.raises(ValueError, match='corr_axis'):
        CLKDLoss(corr_axis='rows')
    with pytest.raises(ValueError, match='on must be'):
        CLKDLoss(on='softmax')


def test_builds_from_registry():
    loss = MODELS.build(dict(type='CLKDLoss', corr_center=False))
    assert isinstance(loss, CLKDLoss) and not loss.corr_center


def test_concat_gathered_shapes():
    local = torch.randn(3, 4, requires_grad=True)
    # Fake world of 1: the output is the local tensor, with its graph.
    out = clkd_mod.concat_gathered(local, [local.detach()], rank=0)
    assert out.shape == (3, 4) and out.requires_grad
    # World of 3 with unequal slices; rank 1 is local.
    others = [torch.zeros(2, 4), local.detach(), torch.ones(1, 4)]
    out = clkd_mod.concat_gathered(local, others, rank=1)
    assert out.shape == (6, 4)
    assert torch.equal(out[2:5], local.detach())
    out.sum().backward()
    assert torch.equal(local.grad, torch.ones(3, 4))
    with pytest.raises(ValueError, match='rank 3'):
        clkd_mod.concat_gathered(local, others, rank=3)
    with pytest.raises(ValueError, match='slice 0'):
        clkd_mod.concat_gathered(local, others, rank=0)


def test_gather_without_process_group_is_identity():
    x = torch.randn(3, 2)
    assert clkd_mod.gather_batch(x) is x
    zs, zt = torch.randn(4, 3), torch.randn(4, 3)
    assert CLKDLoss(gather=True)(zs, zt).item() == pytest.approx(
        CLKDLoss()(zs, zt).item())


class FakeWorld:
    """Stand-in for torch.distributed as seen by one rank.

    ``slices[name]`` holds every rank's tensor for the n-th gathered
    quantity; the fake ``all_gather`` hands out the other ranks' values
    (padded, as the real collective would receive them).
    """

    def __init__(self, rank, slices):
        self.rank = rank
        self.slices = slices  # list of per-rank lists, in call order
        self.calls = 0
        self.pending = None

    def is_available(self):
        return True

    def is_initialized(self):
        return True

    def get_world_size(self):
        return len(self.slices[0])

    def get_rank(self):
        return self.rank

    def all_gather(self, out, tensor):
        ranks = self.slices[self.calls // 2]
        if self.calls % 2 == 0:  # the sizes exchange
            for o, t in zip(out, ranks):
                o.fill_(t.shape[0])
        else:
            assert tensor.shape[0] == max(t.shape[0] for t in ranks)
            for r, (o, t) in enumerate(zip(out, ranks)):
                src = tensor if r == self.rank else t
                o.zero_()
                o[:src.shape[0]] = src[:src.shape[0]]
        self.calls += 1


def test_gather_batch_with_fake_world_of_one(monkeypatch):
    x = torch.randn(3, 4, requires_grad=True)
    monkeypatch.setattr(clkd_mod, 'dist', FakeWorld(0, [[x.detach()]]))
    assert clkd_mod.gather_batch(x) is x


def test_simulated_ddp_gradient_matches_global_batch(monkeypatch):
    """Two ranks with unequal slices: averaged grads = global-batch grads."""
    torch.manual_seed(1)
    zs = torch.randn(5, 4, dtype=torch.float32)
    zt = torch.randn(5, 4)
    split = [3, 2]
    loss_fn = CLKDLoss(instance=0.0, gather=True)  # batch terms only

    full = zs.clone().requires_grad_(True)
    ref = loss_fn.__class__(instance=0.0)(full, zt)
    ref.backward()

    s_parts, t_parts = list(zs.split(split)), list(zt.split(split))
    grads = []
    for rank in range(2):
        local_s = s_parts[rank].clone().requires_grad_(True)
        world = FakeWorld(rank, [s_parts, t_parts])
        monkeypatch.setattr(clkd_mod, 'dist', world)
        value = loss_fn(local_s, t_parts[rank])
        assert value.item() == pytest.approx(ref.item(), rel=1e-5)
        value.backward()
        grads.append(local_s.grad)
    # DDP averages parameter grads over ranks: emulate it on the outputs.
    ddp = torch.cat(grads) / 2
    assert torch.allclose(ddp, full.grad, rtol=1e-4, atol=1e-7)
