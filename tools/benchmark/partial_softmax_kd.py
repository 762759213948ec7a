"""Speed of PartialSoftmaxKDLoss (O(BC)) against two direct formulations.

Prints forward+backward time of each as a ratio to the batched loss, all
measured in this process on the same inputs:

- ``masked``: one softmax per (image, positive) over a ``B x C x C`` mask;
- ``loop``: a Python loop over images and positives (the spec read literally).

Usage: ``PYTHONPATH=$PWD python tools/benchmark/partial_softmax_kd.py
[--batch 64] [--classes 80] [--min-run-time 1]``.
"""
import argparse

import torch
from torch.utils import benchmark

import mmlkd  # noqa: F401
from mmlkd.models.losses import PartialSoftmaxKDLoss


def masked_reference(zs, zt, y):
    """``B x C(p) x C(k)`` masks: k visible for p if negative or k == p."""
    pos = y > 0.5
    eye = torch.eye(y.shape[1], dtype=torch.bool)
    visible = (~pos)[:, None, :] | eye[None]
    lsm_s = zs[:, None, :].masked_fill(~visible, float('-inf')).log_softmax(-1)
    lsm_t = zt[:, None, :].masked_fill(~visible, float('-inf')).log_softmax(-1)
    kl = torch.where(visible,
                     lsm_t.exp() * (lsm_t - lsm_s),
                     torch.zeros_like(lsm_s)).sum(-1)
    return torch.where(pos, kl, torch.zeros_like(kl)).sum() / y.shape[0]


def loop_reference(zs, zt, y):
    total = zs.new_zeros(())
    for i in range(y.shape[0]):
        negs = (y[i] == 0).nonzero().flatten()
        for p in (y[i] == 1).nonzero().flatten():
            idx = torch.cat([negs, p[None]])
            ls, lt = zs[i, idx].log_softmax(0), zt[i, idx].log_softmax(0)
            total = total + (lt.exp() * (lt - ls)).sum()
    return total / y.shape[0]


def timed(fn, zs, zt, y, min_run_time):
    """Fastest forward + backward run (``torch.utils.benchmark``'s
    ``blocked_autorange``, at least ``min_run_time`` seconds)."""
    x = zs.detach().clone().requires_grad_(True)
    timer = benchmark.Timer(
        stmt='x.grad = None; fn(x, zt, y).backward()',
        globals=dict(fn=fn, x=x, zt=zt, y=y))
    return min(timer.blocked_autorange(min_run_time=min_run_time).times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument(
        '--min-run-time',
        type=float,
        default=1.0,
        help='seconds each formulation is timed for')
    args = parser.parse_args()
    torch.manual_seed(0)
    zs = torch.randn(args.batch, args.classes) * 3
    zt = torch.randn(args.batch, args.classes) * 3
    # About 3 positives per image, as on COCO.
    y = (torch.rand(args.batch, args.classes) < 3 / args.classes).float()
    batched = PartialSoftmaxKDLoss()
    ref = masked_reference(zs, zt, y).item()
    assert abs(batched(zs, zt, y).item() - ref) < 1e-3 * max(1, abs(ref))
    t_fast = timed(batched, zs, zt, y, args.min_run_time)
    t_mask = timed(masked_reference, zs, zt, y, args.min_run_time)
    t_loop = timed(loop_reference, zs, zt, y, args.min_run_time)
    print(f'B={args.batch} C={args.classes} positives={int(y.sum())} '
          f'(fastest run, forward+backward, CPU threads='
          f'{torch.get_num_threads()})')
    print(f'batched O(BC)    1.00x  ({t_fast * 1e3:.3f} ms)')
    print(f'masked B x C x C {t_mask / t_fast:.2f}x')
    print(f'python loop      {t_loop / t_fast:.2f}x')


if __name__ == '__main__':
    main()
