"""Benchmark LEDLoss (batched) against a per-set Python loop of the same formula.

Runs forward + backward of both in one process on the same inputs and prints
the median times, the speed-up and the largest difference in value and in
student gradient. Example::

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python tools/benchmark/bench_led.py
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from mmlkd.models.losses import LEDLoss


def _pdist(e: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    sq = e.pow(2).sum(dim=1)
    d = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * e @ e.t()).clamp(
        min=eps).sqrt().clone()
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


def _time(fn, h_s, h_t, y, repeats):
    times, value, grad = [], None, None
    for _ in range(repeats):
        x = h_s.detach().clone().requires_grad_(True)
        t0 = time.perf_counter()
        loss = fn(x, h_t, y)
        loss.backward()
        if x.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        value, grad = loss.detach(), x.grad
    return statistics.median(times), value, grad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--dims', type=int, default=768)
    parser.add_argument('--positives', type=float, default=3.0,
                        help='mean positives per image')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    g = torch.Generator().manual_seed(args.seed)
    shape = (args.batch, args.classes, args.dims)
    h_s = torch.randn(shape, generator=g).to(args.device)
    h_t = torch.randn(shape, generator=g).to(args.device)
    y = (torch.rand(args.batch, args.classes, generator=g) <
         args.positives / args.classes).float().to(args.device)

    loss = LEDLoss()
    # Warm-up both paths (allocator, kernel selection).
    _time(loss, h_s, h_t, y, 2)
    _time(led_loop, h_s, h_t, y, 1)
    t_fast, v_fast, g_fast = _time(loss, h_s, h_t, y, args.repeats)
    t_loop, v_loop, g_loop = _time(led_loop, h_s, h_t, y, args.repeats)

    print(f'B={args.batch} C={args.classes} D={args.dims} '
          f'positives/image={float(y.sum(1).mean()):.2f} '
          f'device={args.device} threads={torch.get_num_threads()}')
    print(f'loop    fwd+bwd: {1e3 * t_loop:9.2f} ms  value {float(v_loop):.6f}')
    print(f'LEDLoss fwd+bwd: {1e3 * t_fast:9.2f} ms  value {float(v_fast):.6f}')
    print(f'speed-up: {t_loop / t_fast:.1f}x')
    print(f'max |value diff|: {float((v_fast - v_loop).abs()):.3e} '
          f'(relative {float((v_fast - v_loop).abs() / v_loop.abs()):.3e})')
    print(f'max |grad diff|: {float((g_fast - g_loop).abs().max()):.3e} '
          f'(grad max {float(g_loop.abs().max()):.3e})')


if __name__ == '__main__':
    main()
