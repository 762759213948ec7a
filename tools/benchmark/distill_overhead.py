"""Cost of one distillation training step against teacher forward + student
training step, per method, in one process on the same batch.

For each method's demo config the algorithm is built with a random teacher
(``teacher_ckpt=None``) and timed on one batch of demo images:

- distill: ``algorithm.train_step(batch, optim_wrapper)`` (data
  preprocessing, teacher forward under no_grad, student forward with the
  recorders, distillation losses and connectors, backward, optimizer step);
- reference: the same teacher's forward under ``no_grad`` on the
  preprocessed batch, plus the student's own ``train_step`` (a copy of the
  student, with the same weights, no recorders, its own optimizer).

ratio = distill / (teacher forward + student step), medians over ``--reps``
after ``--warmup`` runs, the three timed in turn so a busy machine slows all
alike. Goal: ratio <= 1.10 (losses, connectors and recorders add at most
10 %). Peak memory of one step beside it: on CUDA
``torch.cuda.max_memory_allocated`` above what was allocated before the
step; on the CPU the peak of the live tensor bytes that torch's profiler
sees allocated and freed during the step (``profile_memory=True``).

``--coco`` (GPU only): ResNet-101 -> ResNet-18 L2D with ML-Decoder heads at
224 px, batch 64, AMP (configs/l2d/r101_to_r18_coco.py on a synthetic batch
with COCO's label density): images/s of the distillation step and of the
student alone.

    PYTHONPATH=$PWD python tools/benchmark/distill_overhead.py \
        [--methods mld l2d ...] [--reps 20] [--warmup 3] [--batch 64] \
        [--device cpu|cuda] [--coco] [--json out.json]
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
import time
from functools import partial
from typing import Callable, Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

# Method -> demo config (the configs tools/benchmark/quality.py trains),
# timed by default; EXTRA: further demo configs that can be asked for by
# name; COCO_METHODS: the ResNet-101 -> ResNet-18 COCO configs timed by
# tools/benchmark/gpu_check.py. All from methods.py's table.
from methods import COCO_METHODS  # noqa: E402
from methods import OVERHEAD_EXTRA as EXTRA  # noqa: E402
from methods import OVERHEAD_METHODS as METHODS  # noqa: E402

COCO_CONFIG = COCO_METHODS['l2d']
GOAL = 1.10


# ---------------------------------------------------------------- building
def load_cfg(path: str, batch: int):
    from mmengine.config import Config

    import mmlkd  # noqa: F401  (compat + registries before parsing)
    full = osp.join(ROOT, path)
    if not osp.isfile(full):
        raise FileNotFoundError(f'config {path!r} does not exist')
    cfg = Config.fromfile(full)
    cfg.model.teacher_ckpt = None  # random teacher: timing only
    if 'data_preprocessor' not in cfg.model and 'data_preprocessor' in cfg:
        cfg.model.data_preprocessor = copy.deepcopy(cfg.data_preprocessor)
    # Losses whose weight is scaled by the batch read it from the config
    # variable; the batch itself is ours.
    cfg.train_dataloader.batch_size = batch
    return cfg


def build_pair(cfg,
               device: str,
               amp: Optional[str],
               channels_last: bool = False):
    """(algorithm, its optim wrapper, reference teacher, reference student,
    the student's optim wrapper). ``channels_last``: weights in NHWC, so
    every convolution (inputs included, from the first one on) runs in the
    layout that tensor cores prefer under AMP."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmrazor.registry import MODELS

    with DefaultScope.overwrite_default_scope('mmrazor'):
        algorithm = MODELS.build(copy.deepcopy(cfg.model))
        # Built from the same configs, no recorder hooks: what training the
        # student without distillation runs. Weights copied from the
        # algorithm's, so both sides compute the same numbers.
        student_cfg = copy.deepcopy(cfg.model.architecture)
        student_cfg.data_preprocessor = copy.deepcopy(
            cfg.model.data_preprocessor)
        student = MODELS.build(student_cfg)
        teacher = MODELS.build(copy.deepcopy(cfg.model.teacher))
    student.load_state_dict(algorithm.student.state_dict())
    teacher.load_state_dict(algorithm.teacher.state_dict())
    for m in (algorithm, student, teacher):
        m.to(device)
        if channels_last:
            m.to(memory_format=torch.channels_last)
    algorithm.train()
    student.train()
    # Same train/eval state as the algorithm's teacher (frozen BN etc.).
    for ref, src in zip(teacher.modules(), algorithm.teacher.modules()):
        ref.training = src.training
    for p in teacher.parameters():
        p.requires_grad_(False)

    ow_cfg = copy.deepcopy(cfg.optim_wrapper)
    if amp:
        ow_cfg.type = 'AmpOptimWrapper'
        ow_cfg.dtype = amp
        ow_cfg.setdefault('loss_scale', 'dynamic')
    with DefaultScope.overwrite_default_scope('mmengine'):
        ow_distill = build_optim_wrapper(algorithm, copy.deepcopy(ow_cfg))
        ow_student = build_optim_wrapper(student, copy.deepcopy(ow_cfg))
    return algorithm, ow_distill, teacher, student, ow_student


def demo_batch(cfg, batch: int, seed: int = 0) -> Dict:
    """`batch` images of the config's training set, collated as the loader
    does (DemoShapes is generated in memory: nothing is read from disk)."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.num_images = batch
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(ds_cfg)
    torch.manual_seed(seed)
    return pseudo_collate([dataset[i] for i in range(batch)])


def synthetic_batch(batch: int,
                    size: int,
                    num_classes: int,
                    labels_per_image: float = 2.9,
                    seed: int = 0) -> Dict:
    """Random uint8 images and multi-hot labels (COCO's ~2.9 per image)."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(
            torch.randint(
                0, 256, (3, size, size), generator=g, dtype=torch.uint8))
        y = (torch.rand(num_classes, generator=g)
             < labels_per_image / num_classes).nonzero().flatten()
        if len(y) == 0:
            y = torch.randint(0, num_classes, (1, ), generator=g)
        samples.append(DataSample().set_gt_label(y))
    return dict(inputs=inputs, data_samples=samples)


# ------------------------------------------------------------------ timing
def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def make_steps(algorithm, ow_distill, teacher, student, ow_student, data,
               device: str, amp: Optional[str]) -> Dict[str, Callable]:
    """Steps taking a fresh copy of the batch, as a data loader delivers it
    (the preprocessor writes ``gt_score`` into the samples it gets)."""
    with torch.no_grad():
        teacher_batch = student.data_preprocessor(copy.deepcopy(data), True)

    def distill(batch):
        algorithm.train_step(batch, ow_distill)

    def teacher_forward(_batch):
        with torch.no_grad(), torch.autocast(
                device_type=device.split(':')[0],
                dtype=getattr(torch, amp or 'float32'),
                enabled=amp is not None):
            teacher(
                teacher_batch['inputs'],
                teacher_batch['data_samples'],
                mode='tensor')

    def student_step(batch):
        student.train_step(batch, ow_student)

    return dict(distill=distill, teacher=teacher_forward, student=student_step)


def step_clock(device: str, clock: str) -> Callable[[], float]:
    """The clock the steps are timed with.

    ``'cpu'`` (default on the CPU): the CPU seconds this process used
    (``time.process_time``). When other processes share the cores, a step
    that waits for a core accumulates wall time but not CPU time, so the
    ratios stay put on a busy machine. ``'wall'`` (always on CUDA, where the
    work is on the GPU): ``time.perf_counter`` around synchronised steps.
    """
    if clock == 'cpu' and not device.startswith('cuda'):
        return time.process_time
    return time.perf_counter


def time_steps(steps: Dict[str, Callable],
               data: Dict,
               reps: int,
               warmup: int,
               device: str,
               clock: str = 'cpu') -> Dict[str, float]:
    """Median seconds of each step, the steps run in turn rep by rep.

    Not ``torch.utils.benchmark``: its Timer measures one statement at a
    time and runs its ``setup`` once, while here the three steps alternate
    rep by rep (a change of load hits all three alike) and each run gets a
    fresh copy of the batch made outside the timed region.
    """
    now = step_clock(device, clock)
    times: Dict[str, List[float]] = {k: [] for k in steps}
    for rep in range(warmup + reps):
        for name, fn in steps.items():
            batch = copy.deepcopy(data)  # outside the timed region
            _sync(device)
            t0 = now()
            fn(batch)
            _sync(device)
            if rep >= warmup:
                times[name].append(now() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def peak_memory(fn: Callable, device: str) -> float:
    """Peak bytes allocated during ``fn`` above what was live before it."""
    if device.startswith('cuda'):
        _sync(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        fn()
        _sync(device)
        return float(torch.cuda.max_memory_allocated(device) - before)
    # tracemalloc does not see torch's allocator and the process RSS keeps
    # freed blocks, so replay the allocations the profiler records instead.
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as p:
        fn()
    live = peak = 0
    for event in sorted(p.events(), key=lambda e: e.time_range.start):
        live += event.self_cpu_memory_usage
        peak = max(peak, live)
    return float(peak)


def bench_config(name: str,
                 path: str,
                 args,
                 amp: Optional[str] = None,
                 batch_fn: Optional[Callable] = None) -> Dict:
    cfg = load_cfg(path, args.batch)
    algorithm, ow_d, teacher, student, ow_s = build_pair(
        cfg, args.device, amp, getattr(args, 'channels_last', False))
    data = batch_fn(cfg) if batch_fn else demo_batch(cfg, args.batch)
    steps = make_steps(algorithm, ow_d, teacher, student, ow_s, data,
                       args.device, amp)
    t = time_steps(steps, data, args.reps, args.warmup, args.device,
                   args.clock)
    ref = t['teacher'] + t['student']
    row = dict(
        method=name,
        config=path,
        batch=args.batch,
        distill_ms=1e3 * t['distill'],
        teacher_ms=1e3 * t['teacher'],
        student_ms=1e3 * t['student'],
        ratio=t['distill'] / ref)
    if not args.no_memory:
        mem_d, mem_t, mem_s = (
            peak_memory(partial(steps[k], copy.deepcopy(data)), args.device)
            for k in ('distill', 'teacher', 'student'))
        # The teacher's activations are freed before the student runs, so the
        # reference peak is the larger of the two.
        mem_ref = max(mem_t, mem_s)
        row.update(
            distill_mib=mem_d / 2**20,
            reference_mib=mem_ref / 2**20,
            mem_ratio=mem_d / mem_ref if mem_ref else float('nan'))
    return row


# ------------------------------------------------------------------- modes
def run_methods(args) -> List[Dict]:
    rows = []
    for name in args.methods:
        path = {**METHODS, **EXTRA}[name]
        if not osp.isfile(osp.join(ROOT, path)):
            print(f'{name}: {path} not found, skipped')
            continue
        row = bench_config(name, path, args)
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


def bench_coco(name: str, path: str, args, size: int = 224) -> Dict:
    """One ResNet-101 -> ResNet-18 COCO config on a synthetic batch of
    ``size`` px with COCO's label density: the row of :func:`bench_config`
    plus images/s of each step (any device: the GPU check's CPU smoke run
    uses it with tiny sizes)."""

    def batch_fn(cfg):
        return synthetic_batch(args.batch, size,
                               cfg.model.architecture.head.num_classes)

    amp = args.amp_dtype if args.device.startswith('cuda') else None
    row = bench_config(name, path, args, amp=amp, batch_fn=batch_fn)
    for step in ('distill', 'teacher', 'student'):
        row[f'{step}_img_s'] = args.batch / (row[f'{step}_ms'] / 1e3)
    row['gpu'] = (
        torch.cuda.get_device_name(args.device)
        if args.device.startswith('cuda') else 'CPU')
    row.update(
        amp=amp,
        size=size,
        channels_last=getattr(args, 'channels_last', False))
    return row


def run_coco(args) -> List[Dict]:
    if not args.device.startswith('cuda') or not torch.cuda.is_available():
        found = ('a GPU: add --device cuda'
                 if torch.cuda.is_available() else 'no visible GPU')
        raise SystemExit(
            '--coco times ResNet-101 -> ResNet-18 L2D at 224 px, batch 64, '
            'with AMP and needs a CUDA GPU: run it with --device cuda on a '
            f'machine that has one (this one has {found}).')
    row = bench_coco('l2d_r101_r18_coco', COCO_CONFIG, args)
    print(format_row(row))
    print(f'{row["gpu"]}, AMP {row["amp"]}, batch {args.batch}, 224 px: '
          f'distillation step {row["distill_img_s"]:.0f} images/s, '
          f'student alone {row["student_img_s"]:.0f} images/s '
          f'(teacher forward {row["teacher_ms"]:.1f} ms)')
    return [row]


HEADER = (f'{"method":18s} {"distill ms":>10s} {"teacher ms":>10s} '
          f'{"student ms":>10s} {"ratio":>6s} {"peak MiB":>9s} '
          f'{"ref MiB":>8s} {"mem x":>6s}')


def format_row(r: Dict) -> str:
    mem = (f' {r["distill_mib"]:9.1f} {r["reference_mib"]:8.1f} '
           f'{r["mem_ratio"]:6.2f}' if 'distill_mib' in r else '')
    flag = '' if r['ratio'] <= GOAL else f'  > {GOAL:.2f}'
    return (f'{r["method"]:18s} {r["distill_ms"]:10.2f} '
            f'{r["teacher_ms"]:10.2f} {r["student_ms"]:10.2f} '
            f'{r["ratio"]:6.3f}{mem}{flag}')


def main(argv=None) -> List[Dict]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(METHODS),
        choices=list(METHODS) + list(EXTRA))
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--reps', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch intra-op threads (default: torch default)')
    parser.add_argument(
        '--coco',
        action='store_true',
        help='GPU only: R101 -> R18 L2D at 224 px with AMP')
    parser.add_argument(
        '--amp-dtype', default='float16', choices=['float16', 'bfloat16'])
    parser.add_argument(
        '--clock',
        default='cpu',
        choices=['cpu', 'wall'],
        help='CPU runs: time by process CPU time (default, '
        'robust to other load) or wall time; CUDA: wall')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='models in channels_last memory format')
    parser.add_argument(
        '--no-memory',
        action='store_true',
        help='skip the peak-memory measurement')
    parser.add_argument('--json', help='also write the rows to this file')
    args = parser.parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit(f'--device {args.device}: no CUDA GPU is visible')
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # The optimizer constructor logs every parameter's options: keep the
    # table readable (errors still show).
    from mmengine.logging import MMLogger
    MMLogger.get_instance('distill_overhead', log_level='ERROR')

    dev = (
        torch.cuda.get_device_name(args.device)
        if args.device.startswith('cuda') else
        f'CPU, {torch.get_num_threads()} torch threads, '
        f'{os.cpu_count()} cores')
    clock = ('wall' if args.device.startswith('cuda') else args.clock)
    print(f'distillation step vs teacher forward (no grad) + student step; '
          f'batch {args.batch}, median of {args.reps} after {args.warmup} '
          f'warm-up, {clock} time; {dev}; torch {torch.__version__}; '
          f'load average {os.getloadavg()[0]:.1f}')
    print(HEADER)
    rows = run_coco(args) if args.coco else run_methods(args)
    over = [r['method'] for r in rows if r['ratio'] > GOAL]
    print(f'ratio = distill / (teacher + student); goal <= {GOAL:.2f}: ' +
          ('met by all' if not over else f'exceeded by {", ".join(over)}'))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == '__main__':
    main()
