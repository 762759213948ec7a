"""Two gloo processes x 32 images give one process x 64 images' numbers.

BatchNorm in training mode, with the CPU SyncBN wrapper that
``sync_bn`` selects without CUDA, is checked the same way
(``test_sync_bn_two_ranks_equal_one_process_in_training``).

Every batch-statistic loss (LED, RKD, PKT, CLKD) and a whole L2D
distillation step (MLD + LED, ML-Decoder heads, inside mmrazor's
SingleTeacherDistill wrapped in MMDistributedDataParallel as the tools wrap
it) run once in a process holding the 64 images and once as 2 gloo ranks
holding 32 each. Loss values (the mean over ranks for per-image terms, every
rank's value for global-batch terms) and the student's parameter gradients
after DDP's averaging must agree to 1e-5 relative. Everything runs in
float64 and the models in eval mode (no dropout; BatchNorm uses its running
statistics, which DDP does not synchronise), so what is left is the
reduction order.

Both ranks run once for the whole module, forked from the test process
(re-importing the libraries in fresh processes would dominate the cost).
"""
import os
import socket
from typing import Callable, Dict, List

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

import mmlkd  # noqa: F401  (compat + registration, also in the workers)
from mmlkd.models.losses import CLKDLoss, LEDLoss, PKTLoss, RKDLoss
from mmlkd.models.utils import gather_batch
from mmlkd_testing import ROOT

WORLD = 2
BATCH = 64
RTOL = 1e-5
DTYPE = torch.float64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _rows(rank: int, world: int, split: List[int]) -> slice:
    """This rank's images of the global batch (rank order, as gathered)."""
    if world == 1:
        return slice(0, sum(split))
    start = sum(split[:rank])
    return slice(start, start + split[rank])


def _wrap(module: nn.Module, world: int) -> nn.Module:
    if world == 1:
        return module
    from mmengine.model import MMDistributedDataParallel
    return MMDistributedDataParallel(
        module=module,
        device_ids=None,
        broadcast_buffers=False,
        find_unused_parameters=True)


# -- loss cases: a linear student in front of the loss ----------------------


def _loss_case(make_loss: Callable[[], nn.Module],
               in_shape,
               out_dim,
               teacher_shape,
               with_target=False,
               split=(32, 32)):
    """Run ``loss(student(x), teacher[, target])`` on this rank's slice."""

    def run(rank: int, world: int) -> Dict:
        g = torch.Generator().manual_seed(7)
        x = torch.randn((BATCH, ) + in_shape, generator=g, dtype=DTYPE)
        teacher = torch.randn(
            (BATCH, ) + teacher_shape, generator=g, dtype=DTYPE)
        target = (torch.rand(BATCH, in_shape[0], generator=g) < 0.4).to(DTYPE)
        torch.manual_seed(0)
        student = nn.Linear(in_shape[-1], out_dim).to(DTYPE)
        model = _wrap(student, world)
        rows = _rows(rank, world, list(split))
        args = [model(x[rows]), teacher[rows]]
        if with_target:
            args.append(target[rows])
        loss = make_loss()(*args)
        loss.backward()
        return dict(
            losses=dict(loss=loss.item()),
            grads={
                n: p.grad.clone()
                for n, p in student.named_parameters()
            })

    return run


LOSS_CASES = {
    # LED on label-wise embeddings B x C x D with multi-hot targets.
    'led':
    _loss_case(
        lambda: LEDLoss(loss_weight=1 / 64), (6, 5),
        4, (6, 4),
        with_target=True),
    # Unequal slices (a last batch that differs between ranks).
    'led_unequal_40_24':
    _loss_case(
        lambda: LEDLoss(loss_weight=1 / 64), (6, 5),
        4, (6, 4),
        with_target=True,
        split=(40, 24)),
    'rkd':
    _loss_case(RKDLoss, (5, ), 4, (7, )),
    'pkt':
    _loss_case(PKTLoss, (5, ), 4, (7, )),
    # Instance term (per image, averaged by DDP) + batch terms (gathered).
    'clkd':
    _loss_case(CLKDLoss, (5, ), 6, (6, )),
    'clkd_batch_terms_sigmoid':
    _loss_case(lambda: CLKDLoss(instance=0.0, on='sigmoid', corr_axis='batch'),
               (5, ), 6, (6, )),
}
# Losses whose value is a global-batch statistic: equal on every rank.
GLOBAL_VALUE = {
    'led', 'led_unequal_40_24', 'rkd', 'pkt', 'clkd_batch_terms_sigmoid'
}

# -- a whole L2D step --------------------------------------------------------


def _l2d_step(rank: int, world: int) -> Dict:
    from mmengine.config import Config
    from mmpretrain.structures import DataSample
    from mmrazor.registry import MODELS

    cfg = Config.fromfile(os.path.join(ROOT, 'configs/l2d/demo_l2d.py'))
    cfg.model.teacher_ckpt = None  # random teacher: the numbers still count
    torch.manual_seed(0)
    algo = MODELS.build(cfg.model).to(DTYPE)
    algo.eval()  # no dropout; BatchNorm on running statistics

    g = torch.Generator().manual_seed(3)
    images = torch.randint(
        0, 256, (BATCH, 3, 32, 32), generator=g, dtype=torch.uint8)
    labels = [
        torch.nonzero(torch.rand(16, generator=g) < 0.25).flatten()
        for _ in range(BATCH)
    ]
    rows = _rows(rank, world, [BATCH // WORLD] * WORLD)
    # The demo data preprocessor's normalisation and multi-hot targets.
    inputs = (images[rows].to(DTYPE) - 127.5) / 64.0
    samples = [
        DataSample().set_gt_label(lb).set_gt_score(
            torch.zeros(16, dtype=DTYPE).index_fill_(0, lb, 1.0))
        for lb in labels[rows]
    ]
    model = _wrap(algo, world)
    losses = model(inputs, samples, mode='loss')
    total, _ = algo.parse_losses(losses)
    total.backward()
    return dict(
        losses={
            k: float(v.detach())
            for k, v in losses.items()
        },
        grads={
            n: p.grad.clone()
            for n, p in algo.student.named_parameters() if p.grad is not None
        })


# -- BatchNorm in training mode (sync_bn on CPU processes) -------------------


def _sync_bn_step(rank: int, world: int) -> Dict:
    """A conv net with BatchNorm2d/1d in training mode: one process uses
    plain BatchNorm on 64 images, two ranks the CPU SyncBN wrapper on 32
    each (what tools/train.py builds for ``sync_bn`` without CUDA)."""
    torch.manual_seed(0)
    # Also a layer without affine parameters and one without running
    # statistics (batch statistics in eval mode too).
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 5, 3, stride=2),
        nn.BatchNorm2d(5, affine=False), nn.ReLU(), nn.Flatten(),
        nn.Linear(5 * 3 * 3, 6), nn.BatchNorm1d(6, track_running_stats=False),
        nn.Linear(6, 3)).to(DTYPE)
    with torch.no_grad():  # non-trivial affine parameters
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    net.train()
    g = torch.Generator().manual_seed(5)
    # Channel means far from 0: the variance must not cancel.
    x = torch.randn(BATCH, 3, 10, 10, generator=g, dtype=DTYPE) * 3 + 7
    y = torch.randn(BATCH, 3, generator=g, dtype=DTYPE)
    rows = _rows(rank, world, [BATCH // WORLD] * WORLD)
    if world == 1:
        model = net
    else:
        from mmlkd.engine import CPUSyncBNDistributedDataParallel
        model = CPUSyncBNDistributedDataParallel(
            module=net, device_ids=None, broadcast_buffers=False)
    out = model(x[rows])
    loss = ((out - y[rows])**2).mean()
    loss.backward()
    return dict(
        losses=dict(loss=loss.item()),
        grads={
            n: p.grad.clone()
            for n, p in net.named_parameters()
        },
        buffers={
            n: b.clone()
            for n, b in net.named_buffers()
        },
        types=sorted({type(m).__name__
                      for m in net.modules()}))


# -- the gather utility itself ----------------------------------------------


def _gather_unequal(rank: int, world: int) -> Dict:
    """Ranks hold 3 and 1 rows; the gathered grad of a rank is W x local."""
    local = torch.arange(3 if rank == 0 else 1, dtype=DTYPE) + 10 * rank
    local = local.view(-1, 1).repeat(1, 2).requires_grad_(True)
    mask = local.detach()[:, 0] > 0
    gathered, gathered_mask = gather_batch(local, mask)
    weights = torch.arange(1, 5, dtype=DTYPE).view(-1, 1)
    (gathered * weights).sum().backward()
    return dict(
        gathered=gathered.detach(),
        mask=gathered_mask,
        grad=local.grad,
        requires_grad=gathered.requires_grad)


CASES = dict(
    LOSS_CASES,
    l2d_step=_l2d_step,
    sync_bn_step=_sync_bn_step,
    gather_unequal=_gather_unequal)


def _worker(rank: int, world: int, port: int, out_dir: str) -> None:
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        results = {name: case(rank, world) for name, case in CASES.items()}
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """``(single, [rank0, rank1])``: every case's results."""
    out = tmp_path_factory.mktemp('ddp')
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    # fork: the ranks inherit the imported libraries (importing mmrazor
    # costs seconds per process); no threads are running at this point.
    mp.start_processes(
        _worker,
        args=(WORLD, _free_port(), str(out)),
        nprocs=WORLD,
        join=True,
        start_method='fork')
    ranks = [
        torch.load(out / f'rank{r}.pt', weights_only=False)
        for r in range(WORLD)
    ]
    single = {
        name: case(0, 1)
        for name, case in CASES.items() if name != 'gather_unequal'
    }
    return single, ranks


def _max_rel(grads: Dict[str, torch.Tensor], ref: Dict[str,
                                                       torch.Tensor]) -> float:
    """Largest gradient deviation relative to the reference's largest entry.

    Taken over all parameters together: some gradients are exactly 0 in
    exact arithmetic (LED and RKD do not see a common bias), so a
    per-tensor ratio would divide rounding noise by rounding noise.
    """
    diff = max(float((grads[n] - g).abs().max()) for n, g in ref.items())
    scale = max(float(g.abs().max()) for g in ref.values())
    return diff / scale


def _check(name: str, single: Dict, ranks: List[Dict],
           global_value: bool) -> None:
    ref, per_rank = single[name], [r[name] for r in ranks]
    worst_loss = 0.0
    for key, value in ref['losses'].items():
        values = [r['losses'][key] for r in per_rank]
        mean = sum(values) / len(values)
        worst_loss = max(worst_loss, abs(mean - value) / abs(value))
        assert mean == pytest.approx(value, rel=RTOL), (name, key)
        if global_value or key.startswith('distill.loss_led'):
            for v in values:  # a global-batch statistic: the same on all
                assert v == pytest.approx(value, rel=RTOL), (name, key)
    # DDP averaged the gradients: every rank holds the same, compare rank 0.
    assert set(per_rank[0]['grads']) == set(ref['grads'])
    worst_grad = _max_rel(per_rank[0]['grads'], ref['grads'])
    print(f'{name}: max rel. diff loss {worst_loss:.1e}, '
          f'grad {worst_grad:.1e}')
    assert worst_grad < RTOL, name
    assert any(g.abs().max() > 0 for g in ref['grads'].values())


@pytest.mark.parametrize('name', sorted(LOSS_CASES))
def test_loss_two_ranks_equal_one_process(runs, name):
    single, ranks = runs
    _check(name, single, ranks, name in GLOBAL_VALUE)


def test_l2d_step_two_ranks_equal_one_process(runs):
    single, ranks = runs
    assert {'student.loss', 'distill.loss_mld',
            'distill.loss_led'} <= set(single['l2d_step']['losses'])
    _check('l2d_step', single, ranks, global_value=False)


def test_sync_bn_two_ranks_equal_one_process_in_training(runs):
    """Outputs, gradients and running statistics of BatchNorm in training
    mode: two CPU ranks with the SyncBN wrapper equal one process."""
    single, ranks = runs
    _check('sync_bn_step', single, ranks, global_value=False)
    ref = single['sync_bn_step']
    assert 'BatchNorm2d' in ref['types']
    for r in ranks:
        res = r['sync_bn_step']
        assert 'CPUSyncBatchNorm' in res['types']
        assert 'BatchNorm2d' not in res['types']
        assert set(res['buffers']) == set(ref['buffers'])
        for name, b in ref['buffers'].items():
            if b.is_floating_point():
                torch.testing.assert_close(
                    res['buffers'][name], b, rtol=RTOL, atol=1e-12)
            else:
                assert torch.equal(res['buffers'][name], b), name


def test_gather_batch_unequal_sizes_and_gradient(runs):
    _, ranks = runs
    expected = torch.tensor([[0., 0.], [1., 1.], [2., 2.], [10., 10.]],
                            dtype=DTYPE)
    ranks = [r['gather_unequal'] for r in ranks]
    for res in ranks:
        assert torch.equal(res['gathered'], expected)
        assert res['mask'].tolist() == [False, True, True, True]
        assert res['requires_grad']
    # d/dx of sum(w * gathered) is w; each rank gets its rows times W = 2.
    assert torch.equal(
        ranks[0]['grad'],
        2 * torch.tensor([[1.], [2.], [3.]]).repeat(1, 2).to(DTYPE))
    assert torch.equal(ranks[1]['grad'],
                       2 * torch.tensor([[4., 4.]], dtype=DTYPE))


def test_gather_batch_without_process_group_is_identity():
    x = torch.randn(3, 2, requires_grad=True)
    y = torch.zeros(3)
    gx, gy = gather_batch(x, y)
    assert gx is x and gy is y
    with pytest.raises(ValueError, match=r'gather_batch.*\(3, 2\).*\(2,\)'):
        gather_batch(x, torch.zeros(2))
