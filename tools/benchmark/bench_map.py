"""Time mmlkd's average_precision against its peers on a COCO-val-sized problem

All runs happen in this one process on the same data, so the ratios hold on a
busy machine where the absolute times do not. Peers: scikit-learn's
``average_precision_score`` in a loop over classes, mmpretrain's
``AveragePrecision.calculate`` (its functional AP) and torchmetrics'
``multilabel_average_precision`` (skipped with a message when torchmetrics is
not installed; it is not a dependency of mmlkd).

Usage::

    OMP_NUM_THREADS=2 python tools/benchmark/bench_map.py [--min-run-time 3]
        [--images 40137] [--classes 80] [--threads 2] [--ties] [--device cpu]
"""
import argparse
import os
import platform
import statistics
import sys
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

sys.path.insert(
    0,
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from mmlkd.evaluation import MultiLabelMAP, average_precision


def make_data(n: int, c: int, ties: bool, seed: int = 0):
    """Targets with COCO's density (~2.9 labels per image, skewed class
    frequencies) and sigmoid scores that are informative but imperfect."""
    rng = np.random.default_rng(seed)
    freq = np.clip(rng.lognormal(-3.8, 1.0, c), 0.003, 0.45)
    targets = (rng.random((n, c)) < freq).astype(np.int64)
    targets[np.arange(n), rng.integers(0, c, n)] = 1  # no empty image
    logits = rng.standard_normal((n, c)) + 2.5 * targets - 2.0
    scores = (1 / (1 + np.exp(-logits))).astype(np.float32)
    if ties:  # a model whose outputs saturate / are quantised
        scores = np.round(scores, 3).astype(np.float32)
    return scores, targets


def time_it(fn: Callable[[], object], min_run_time: float) -> List[float]:
    """Per-run times of ``fn`` in ms, from ``torch.utils.benchmark``'s
    ``blocked_autorange`` (warm-up, then blocks of runs for at least
    ``min_run_time`` seconds; CUDA callers synchronise inside ``fn``)."""
    from torch.utils import benchmark
    timer = benchmark.Timer(stmt='fn()', globals=dict(fn=fn))
    return [
        1e3 * t
        for t in timer.blocked_autorange(min_run_time=min_run_time).times
    ]


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=40137)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument(
        '--min-run-time',
        type=float,
        default=3.0,
        help='seconds each implementation is timed for')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch intra-op threads (default: torch default)')
    parser.add_argument(
        '--ties',
        action='store_true',
        help='round the scores to 3 decimals (many ties)')
    parser.add_argument(
        '--device',
        default='cpu',
        help='device of the tensors for mmlkd / torchmetrics')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    scores, targets = make_data(args.images, args.classes, args.ties)
    s_t = torch.from_numpy(scores).to(args.device)
    t_t = torch.from_numpy(targets).to(args.device)
    s_cpu, t_cpu = torch.from_numpy(scores), torch.from_numpy(targets)

    def sync():
        if s_t.is_cuda:
            torch.cuda.synchronize()

    def ours():
        out = average_precision(s_t, t_t)
        sync()
        return out

    metric = MultiLabelMAP()
    results = [
        dict(pred_score=s, target=t.astype(np.int8))
        for s, t in zip(scores, targets)
    ]

    from sklearn.metrics import average_precision_score

    def sklearn_loop():
        return np.array([
            average_precision_score(targets[:, c], scores[:, c])
            for c in range(args.classes)
        ])

    from mmpretrain.evaluation import AveragePrecision

    def mmpretrain_ap():
        return AveragePrecision.calculate(s_cpu, t_cpu, average=None) / 100

    runs = [('mmlkd average_precision', ours),
            ('mmlkd MultiLabelMAP.compute_metrics (mAP+F1+top3)',
             lambda: metric.compute_metrics(results)),
            ('scikit-learn per-class loop', sklearn_loop),
            ('mmpretrain AveragePrecision', mmpretrain_ap)]
    try:
        import torchmetrics
        from torchmetrics.functional.classification import \
            multilabel_average_precision

        def tm_ap():
            out = multilabel_average_precision(
                s_t, t_t, num_labels=args.classes, average=None)
            sync()
            return out

        runs.append((f'torchmetrics {torchmetrics.__version__} '
                     'multilabel_average_precision', tm_ap))
    except ImportError:
        print('torchmetrics is not installed: its row is skipped '
              '(pip install torchmetrics to include it)')

    ref = sklearn_loop()
    print(f'N={args.images} images x C={args.classes} classes, '
          f'{targets.sum() / args.images:.2f} labels/image, '
          f'ties={"yes" if args.ties else "no"}, device={args.device}')
    print(f'python {platform.python_version()}, torch {torch.__version__}, '
          f'numpy {np.__version__}, torch threads {torch.get_num_threads()}, '
          f'cpu count {os.cpu_count()}, each timed for >= '
          f'{args.min_run_time:g} s (median, min per run)')
    base = None
    medians: Dict[str, float] = {}
    for name, fn in runs:
        out = fn()
        if not isinstance(out, dict):
            out = out.cpu().numpy() if isinstance(out, torch.Tensor) else out
            err = float(np.nanmax(np.abs(np.asarray(out, float) - ref)))
            err_s = f'max |AP - sklearn| = {err:.1e}'
        else:
            err_s = f'mAP = {out["mAP"]:.4f}'
        times = time_it(fn, args.min_run_time)
        med = statistics.median(times)
        medians[name] = med
        if base is None:
            base = med
        print(f'{name:58s} {med:9.1f} ms {min(times):9.1f} ms  '
              f'x{med / base:6.2f} vs mmlkd   {err_s}')
    print('ratios are peer time / mmlkd time (median); target: mmlkd '
          '<= 120 ms on 2 cores')
    return medians


if __name__ == '__main__':
    main()
