"""Benchmark LEDLoss (batched) against a per-set Python loop of its formula.

Runs forward + backward of both in one process on the same inputs, for two
label statistics, and prints the median times (``torch.utils.benchmark``),
the speed-up and the largest difference in value and in student gradient:

- ``uniform``: every class equally likely, ``--positives`` per image on
  average, so every set is small;
- ``coco``: COCO-like statistics (as ``tools/analysis_tools/dataset_stats.py``
  prints them for ``instances_train2014.json``): one class (person) in about
  55 % of the images, the other 79 long-tailed from about 11.5 % down to
  0.25 %, 2.9 labels per image, no image without a label. A batch of 64 then
  has one class set of about 35 members beside many sets of 2-4.

Example::

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python tools/benchmark/bench_led.py \
        [--stats uniform coco] [--min-run-time 2] [--device cpu]
"""
import argparse
import time
from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F
from torch.utils import benchmark

from mmlkd.models.losses import LEDLoss

# COCO 2014 train: person is in 55 % of the images; the next classes
# (chair, car, dining table) in 10-11 %, the rarest (toaster, hair drier)
# in about 0.2 %.
HEAD_FREQUENCY = 0.55
TAIL_RANGE = (0.115, 0.0025)


def class_frequencies(classes: int) -> torch.Tensor:
    """Per-class image frequencies with COCO's shape: one frequent class,
    the others decaying geometrically (a straight line on a log scale, as
    COCO's sorted frequencies nearly are). With 80 classes they sum to 2.9."""
    hi, lo = TAIL_RANGE
    tail = torch.logspace(
        torch.log10(torch.tensor(hi)),
        torch.log10(torch.tensor(lo)),
        classes - 1,
        dtype=torch.float64)
    return torch.cat(
        [torch.tensor([HEAD_FREQUENCY], dtype=torch.float64), tail])


def coco_like_targets(batch: int, classes: int,
                      generator: torch.Generator) -> torch.Tensor:
    """``batch x classes`` multi-hot targets with COCO-like statistics: each
    class drawn independently at :func:`class_frequencies`; an image left
    without a label gets one class drawn at those frequencies (COCO's
    multi-label split drops images without a label)."""
    freq = class_frequencies(classes)
    y = torch.rand(
        batch, classes, generator=generator, dtype=torch.float64) < freq
    empty = (~y.any(dim=1)).nonzero().flatten()
    if len(empty):
        pick = torch.multinomial(
            freq, len(empty), replacement=True, generator=generator)
        y[empty, pick] = True
    return y.float()


def uniform_targets(batch: int, classes: int, positives: float,
                    generator: torch.Generator) -> torch.Tensor:
    """Each class positive with probability ``positives / classes``."""
    return (torch.rand(batch, classes, generator=generator)
            < positives / classes).float()


def _pdist(e: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    sq = e.pow(2).sum(dim=1)
    d = (sq.unsqueeze(1) + sq.unsqueeze(0) -
         2 * e @ e.t()).clamp(min=eps).sqrt().clone()
    d[range(len(e)), range(len(e))] = 0
    return d


def _psi(e_s: torch.Tensor, e_t: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        d_t = _pdist(e_t)
        d_t = d_t / d_t[d_t > 0].mean()
    d_s = _pdist(e_s)
    d_s = d_s / d_s[d_s > 0].mean()
    return F.smooth_l1_loss(d_s, d_t, reduction='sum', beta=1.0) / len(e_s)


def led_loop(h_s, h_t, y, cd_weight=100.0, id_weight=1000.0):
    """The reference's formulation: one set at a time, classes then images."""
    h_t = h_t.detach()
    pos = y > 0.5
    cd = h_s.new_zeros(())
    for c in range(y.shape[1]):
        idx = pos[:, c].nonzero().flatten()
        if len(idx) >= 2:
            cd = cd + _psi(h_s[idx, c], h_t[idx, c])
    id_ = h_s.new_zeros(())
    for i in range(y.shape[0]):
        idx = pos[i].nonzero().flatten()
        if len(idx) >= 2:
            id_ = id_ + _psi(h_s[i, idx], h_t[i, idx])
    return cd_weight * cd + id_weight * id_


def _run(fn: Callable, h_s, h_t, y):
    x = h_s.detach().clone().requires_grad_(True)
    loss = fn(x, h_t, y)
    loss.backward()
    return loss.detach(), x.grad


def _time(fn: Callable, h_s, h_t, y, min_run_time: float):
    """``torch.utils.benchmark`` measurement of forward + backward (it
    synchronises CUDA and picks how many runs to time per block). On the
    CPU the clock is this process's CPU time, so other processes on the
    machine do not count."""
    x = h_s.detach().clone().requires_grad_(True)
    clock = time.process_time if not x.is_cuda else time.perf_counter
    timer = benchmark.Timer(
        stmt='x.grad = None; fn(x, h_t, y).backward()',
        globals=dict(fn=fn, x=x, h_t=h_t, y=y),
        timer=clock)
    return timer.blocked_autorange(min_run_time=min_run_time)


def compare(y: torch.Tensor,
            dims: int,
            min_run_time: float,
            device: str,
            seed: int = 0) -> Dict[str, float]:
    """Time LEDLoss and the loop on random embeddings for targets ``y``."""
    g = torch.Generator().manual_seed(seed)
    shape = tuple(y.shape) + (dims, )
    h_s = torch.randn(shape, generator=g).to(device)
    h_t = torch.randn(shape, generator=g).to(device)
    y = y.to(device)
    loss = LEDLoss()
    v_fast, g_fast = _run(loss, h_s, h_t, y)  # also the warm-up
    v_loop, g_loop = _run(led_loop, h_s, h_t, y)
    t_fast = _time(loss, h_s, h_t, y, min_run_time)
    t_loop = _time(led_loop, h_s, h_t, y, min_run_time)
    pos = y > 0.5
    return dict(
        positives=float(pos.sum(1).float().mean()),
        largest_set=int(max(pos.sum(0).max(),
                            pos.sum(1).max())),
        loop_ms=1e3 * t_loop.median,
        fast_ms=1e3 * t_fast.median,
        loop_runs=len(t_loop.times),
        fast_runs=len(t_fast.times),
        value_loop=float(v_loop),
        value_fast=float(v_fast),
        rel_value_diff=float((v_fast - v_loop).abs() / v_loop.abs()),
        grad_diff=float((g_fast - g_loop).abs().max()),
        grad_max=float(g_loop.abs().max()))


def main(argv: Optional[List[str]] = None) -> List[Dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--dims', type=int, default=768)
    parser.add_argument(
        '--stats',
        nargs='+',
        default=['uniform', 'coco'],
        choices=['uniform', 'coco'],
        help='label statistics of the batches')
    parser.add_argument(
        '--positives',
        type=float,
        default=3.0,
        help='uniform: mean positives per image')
    parser.add_argument(
        '--min-run-time',
        type=float,
        default=2.0,
        help='seconds each of the two is timed for')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    rows = []
    for stats in args.stats:
        g = torch.Generator().manual_seed(args.seed)
        y = (
            coco_like_targets(args.batch, args.classes, g) if stats == 'coco'
            else uniform_targets(args.batch, args.classes, args.positives, g))
        r = compare(y, args.dims, args.min_run_time, args.device, args.seed)
        r['stats'] = stats
        rows.append(r)
        print(f'[{stats}] B={args.batch} C={args.classes} D={args.dims} '
              f'positives/image={r["positives"]:.2f} '
              f'largest set={r["largest_set"]} device={args.device} '
              f'threads={torch.get_num_threads()} '
              f'(median of {r["loop_runs"]} and {r["fast_runs"]} blocks)')
        print(f'[{stats}] loop    fwd+bwd: {r["loop_ms"]:9.2f} ms  '
              f'value {r["value_loop"]:.6f}')
        print(f'[{stats}] LEDLoss fwd+bwd: {r["fast_ms"]:9.2f} ms  '
              f'value {r["value_fast"]:.6f}')
        print(f'[{stats}] speed-up: {r["loop_ms"] / r["fast_ms"]:.1f}x')
        print(f'[{stats}] max |value diff|: relative '
              f'{r["rel_value_diff"]:.3e}; max |grad diff|: '
              f'{r["grad_diff"]:.3e} (grad max {r["grad_max"]:.3e})')
    return rows


if __name__ == '__main__':
    main()
