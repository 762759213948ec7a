"""Choose the demo's distillation weight scale of each method, by one rule,
on a split carved from the training set (never the validation split).

    python tools/benchmark/weight_sweep.py [--methods kd l2d ...]
        [--scales 0.1 1 10] [--jobs 2] [--work-dir work_dirs/weight_sweep]

The rule (docs/quality_benchmark.md, "How the demo weights are chosen"):

1. Start from the paper's weights, written for mmpretrain's sigmoid BCE,
   which is a mean over images (so a weight the paper gives against a
   batch-summed BCE is divided by the global batch).
2. For every method alike, multiply all of its distillation ``loss_weight``
   values by one scale ``s`` from ``--scales`` (0.1, 1, 10), keeping the
   ratios between its terms and leaving the task loss alone.
3. Train each (method, s) with seed 0 on the first ``--fit`` (2400) of the
   3000 training images and score its mAP on the other 600 training
   images ("held-out train"), which no run of the sweep trains on.
4. Ship the scale with the highest held-out mAP; on a tie (within
   ``--tie`` = 0.1 mAP) the one nearest to 1.
5. When the best scale is the smallest or the largest swept for that
   method, the optimum may lie beyond the grid: sweep one more decade past
   it (x0.1 or x10 of that scale) and choose again, at most
   ``--extend`` (2) times per method.
6. A method made of another method's terms plus its own (L2D = MLD + LED,
   see ``PARENTS``) keeps the other method's chosen scale on the shared
   terms and sweeps only its own: the sweep runs in two phases.

In a method config, ``demo_weight_scale`` (a top-level key: one number for
every distillation loss, or a dict loss name -> scale; 1 where absent)
records the scale its weights already carry, so the sweep always starts
from the paper's weights.

The student alone (both heads) is trained and scored the same way, so the
table also shows each scale's held-out gain. Teachers are the quality
benchmark's (``--teachers``, default work_dirs/quality; trained there with
seed 0 on all 3000 training images if missing: the teacher's own training
data is not what the scale is scored on, the student's is).

Writes ``<work-dir>/results.md`` (held-out mAP per method and scale, the
chosen scale) and ``<work-dir>/chosen_scales.json``. Resumable like
quality.py: finished runs and their scores are reused.
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import quality
from quality import (ALL_METHODS, BASELINES, METHODS, TEACHERS, Job, Run,
                     cached_scores, checkpoint_at, final_epoch, run_jobs,
                     score_fn, train_fn)

DEFAULT_SCALES = (0.1, 1.0, 10.0)
# method -> (method whose chosen scale its shared terms keep, shared terms)
PARENTS = {
    'l2d': ('l2d_mld_only', ('loss_mld', )),
    'l2d_linear': ('mld', ('loss_mld', )),
}
NUM_TRAIN = 3000  # configs/_base_/datasets/demo_shapes.py
SWEEP_SEED = 0


def distill_weights(config: str) -> Dict[str, float]:
    """The paper's ``loss_weight`` of every distillation loss of a method
    config: the config's weights divided by its ``demo_weight_scale``."""
    from mmengine.config import Config

    import mmlkd  # noqa: F401
    cfg = Config.fromfile(osp.join(ROOT, config))
    losses = cfg.model.distiller.distill_losses
    shipped = cfg.get('demo_weight_scale', 1.0)
    if not isinstance(shipped, dict):
        shipped = {name: shipped for name in losses}
    unknown = set(shipped) - set(losses)
    if unknown:
        raise KeyError(f'{config}: demo_weight_scale names '
                       f'{sorted(unknown)}, which are not distillation '
                       f'losses (those are {sorted(losses)})')
    weights = {}
    for name, loss in losses.items():
        if 'loss_weight' not in loss:
            raise KeyError(
                f'{config}: model.distiller.distill_losses.{name} has no '
                'loss_weight; the sweep scales every distillation weight')
        weights[name] = float(loss['loss_weight']) / float(
            shipped.get(name, 1.0))
    return weights


def sweep_config_text(config: str,
                      fit: int,
                      weights: Dict[str, float],
                      scale: float,
                      fixed: Optional[Dict[str, float]] = None) -> str:
    """A config that inherits ``config``, trains on the first ``fit``
    training images and tests on the remaining ones, with every
    distillation weight multiplied by ``scale``, except those in ``fixed``
    (loss name -> scale kept from a parent method)."""
    fixed = fixed or {}
    lines = [
        f'# weight sweep: {config}, distillation weights x {scale:g}, '
        f'trained on training images [0, {fit}), tested on [{fit}, '
        f'{NUM_TRAIN})',
        f'_base_ = [{osp.join(ROOT, config)!r}]',
        f'train_dataloader = dict(dataset=dict(num_images={NUM_TRAIN}, '
        f'indices={fit}))',
        'test_dataloader = dict(dataset=dict(split=\'train\', '
        f'num_images={NUM_TRAIN}, test_mode=True, '
        f'indices=list(range({fit}, {NUM_TRAIN}))))',
    ]
    if weights:
        losses = ', '.join(f'{k}=dict(loss_weight={v * fixed.get(k, scale)!r})'
                           for k, v in weights.items())
        lines.append(
            f'model = dict(distiller=dict(distill_losses=dict({losses})))')
    return '\n'.join(lines) + '\n'


def choose(scores: Dict[float, float], tie: float) -> float:
    """The scale with the best held-out mAP; within ``tie`` of the best,
    the one nearest to 1 (on a log scale)."""
    best = max(scores.values())
    near = [s for s, m in scores.items() if m >= best - tie]
    return min(near, key=lambda s: (abs(math.log(s)), s))


def beyond_edge(scores: Dict[float, float], chosen: float,
                base_scales: Sequence[float], extend: int) -> Optional[float]:
    """The next scale to sweep when ``chosen`` is at an edge of the scales
    swept so far (``scores``), or None: it is inside the grid, or the grid
    already reaches ``extend`` decades past ``base_scales``."""
    if len(scores) < 2:
        return None
    lo, hi = min(base_scales), max(base_scales)
    if chosen == min(scores) and chosen <= lo * 10**-extend * 1.0001:
        return None
    if chosen == max(scores) and chosen >= hi * 10**extend * 0.9999:
        return None
    # Rounded so that repeated decades keep a clean run name (x0.001).
    if chosen == min(scores):
        return float(f'{chosen / 10:.6g}')
    if chosen == max(scores):
        return float(f'{chosen * 10:.6g}')
    return None


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(METHODS),
        choices=list(ALL_METHODS))
    parser.add_argument(
        '--scales', nargs='+', type=float, default=list(DEFAULT_SCALES))
    parser.add_argument(
        '--fit',
        type=int,
        default=2400,
        help='training images the runs train on; the rest '
        'of the 3000 are the held-out split')
    parser.add_argument('--tie', type=float, default=0.1)
    parser.add_argument(
        '--extend',
        type=int,
        default=2,
        help='decades the grid may grow past --scales when '
        'the best scale is at its edge')
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--teachers', default='work_dirs/quality')
    parser.add_argument('--work-dir', default='work_dirs/weight_sweep')
    args = parser.parse_args(argv)
    if not 0 < args.fit < NUM_TRAIN:
        parser.error(f'--fit must be in (0, {NUM_TRAIN})')
    if any(s <= 0 for s in args.scales):
        parser.error('--scales must be > 0')
    args.work_dir = osp.join(ROOT, args.work_dir)
    args.teachers = osp.join(ROOT, args.teachers)
    # train_fn's settings: the configs' schedule and data size.
    args.epochs, args.num_train = None, None
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    log_dir = osp.join(args.work_dir, 'logs')
    cfg_dir = osp.join(args.work_dir, 'configs')
    os.makedirs(log_dir, exist_ok=True)
    os.makedirs(cfg_dir, exist_ok=True)
    lock = threading.Lock()

    def log(msg: str) -> None:
        with lock:
            print(f'[weight_sweep] {msg}', flush=True)

    methods = list(args.methods)
    for m in args.methods:
        if m in PARENTS and PARENTS[m][0] not in methods:
            methods.insert(0, PARENTS[m][0])  # its scale is needed first
    teachers = {
        t:
        Run(t, 'teacher', t, TEACHERS[t][0], quality.TEACHER_SEED,
            osp.join(args.teachers, t), None)
        for t in sorted({ALL_METHODS[m].teacher
                         for m in methods})
    }
    epochs: Dict[str, int] = {}

    def derived(name: str,
                config: str,
                weights: Dict[str, float],
                scale: float,
                fixed: Optional[Dict[str, float]] = None) -> str:
        path = osp.join(cfg_dir, f'{name}.py')
        text = sweep_config_text(config, args.fit, weights, scale, fixed)
        if not osp.isfile(path) or open(path).read() != text:
            with open(path, 'w') as f:
                f.write(text)
        return path

    def held_out(run: Run) -> Optional[float]:
        m = cached_scores(run, epochs[run.key])
        return None if m is None else m['mAP']

    def execute(runs: Sequence[Run]) -> List[Job]:
        """Train (teachers first) and score ``runs``; reuse finished ones."""
        by_key = {r.key: r for r in list(teachers.values()) + list(runs)}
        for r in by_key.values():
            epochs.setdefault(r.key, final_epoch(r.config, None))
        jobs: List[Job] = []
        for run in runs:
            ep = epochs[run.key]
            trained = checkpoint_at(run.work_dir, ep) is not None
            if not trained:
                teacher = by_key.get(run.teacher)

                def teacher_ckpt(t=teacher):
                    return checkpoint_at(t.work_dir, epochs[t.key])

                deps = []
                if teacher is not None and checkpoint_at(
                        teacher.work_dir, epochs[teacher.key]) is None:
                    deps.append(f'train {teacher.key}')
                jobs.append(
                    Job(f'train {run.key}',
                        train_fn(run, args, ep, teacher_ckpt, log_dir), deps))
            # Teachers are scored by quality.py, on the validation split.
            if run.kind != 'teacher' and (not trained
                                          or cached_scores(run, ep) is None):
                jobs.append(
                    Job(f'score {run.key}', score_fn(run, ep),
                        [] if trained else [f'train {run.key}']))
        log(f'{len(runs)} runs; {len(jobs)} jobs to do, {args.jobs} at a '
            'time')
        run_jobs(jobs, args.jobs, log)
        return jobs

    baselines = [
        Run(b, 'baseline', b, derived(b, BASELINES[b][0], {}, 1.0), SWEEP_SEED,
            osp.join(args.work_dir, b), None)
        for b in sorted({ALL_METHODS[m].baseline
                         for m in methods})
    ]
    cells: Dict[str, Dict[float, Run]] = {}
    chosen: Dict[str, float] = {}
    fixed_of: Dict[str, Dict[str, float]] = {}
    failed: List[Job] = []

    paper_weights: Dict[str, Dict[str, float]] = {}

    def cell(m: str, s: float, fixed: Dict[str, float]) -> Run:
        key = f'{m}_x{s:g}'
        if m not in paper_weights:  # parsing the config takes a while
            paper_weights[m] = distill_weights(ALL_METHODS[m].config)
        run = Run(
            key, 'method', m,
            derived(key, ALL_METHODS[m].config, paper_weights[m], s, fixed),
            SWEEP_SEED, osp.join(args.work_dir, key), ALL_METHODS[m].teacher)
        cells.setdefault(m, {})[s] = run
        return run

    for phase in ([m for m in methods
                   if m not in PARENTS], [m for m in methods if m in PARENTS]):
        runs: List[Run] = []
        for m in phase:
            fixed = {}
            if m in PARENTS:
                parent, shared = PARENTS[m]
                if parent not in chosen:
                    log(f'skipping {m}: no scale was chosen for {parent}')
                    continue
                fixed = {t: chosen[parent] for t in shared}
            fixed_of[m] = fixed
            for s in args.scales:
                runs.append(cell(m, s, fixed))
        first = True
        while runs:
            teacher_runs = [
                teachers[t] for t in sorted({r.teacher
                                             for r in runs})
            ]
            extra = baselines if first and not failed and not chosen else []
            first = False
            jobs = execute(teacher_runs + extra + runs)
            failed += [j for j in jobs if j.state in ('failed', 'skipped')]
            runs = []
            for m in phase:
                scores = {s: held_out(r) for s, r in cells.get(m, {}).items()}
                if not scores or None in scores.values():
                    continue
                chosen[m] = choose(scores, args.tie)
                nxt = beyond_edge(scores, chosen[m], args.scales, args.extend)
                if nxt is not None:
                    log(f'{m}: best scale x{chosen[m]:g} is at the edge of '
                        f'the grid; sweeping x{nxt:g}')
                    runs.append(cell(m, nxt, fixed_of[m]))

    all_scales = sorted({s for by in cells.values() for s in by})
    base = {r.name: held_out(r) for r in baselines if r.key in epochs}
    lines = [
        f'Held-out train mAP (seed {SWEEP_SEED}; trained on training images '
        f'[0, {args.fit}), scored on [{args.fit}, {NUM_TRAIN}); the '
        'validation split is not used). Each cell: mAP (gain over the '
        'student alone). Chosen: best held-out mAP, ties within '
        f'{args.tie} mAP to the scale nearest 1; a best scale at the edge '
        'of the grid sweeps one decade further (at most '
        f'{args.extend}). Methods marked with their parent keep its chosen '
        'scale on the shared terms; a blank cell was not swept.',
        '',
        '| method | student alone | ' +
        ' | '.join(f'x{s:g}' for s in all_scales) + ' | chosen scale |',
        '| --- | ---: | ' + ' | '.join('---:'
                                       for _ in all_scales) + ' | ---: |',
    ]
    for m, by_scale in cells.items():
        b = base.get(ALL_METHODS[m].baseline)
        label = ALL_METHODS[m].label
        if m in PARENTS:
            parent, shared = PARENTS[m]
            label += (f' ({", ".join(shared)} at x{chosen[parent]:g} of '
                      f'{ALL_METHODS[parent].label})')
        row = [label, 'n/a' if b is None else f'{b:.2f}']
        for s in all_scales:
            if s not in by_scale:
                row.append('')
                continue
            v = held_out(by_scale[s])
            row.append('n/a' if v is None else f'{v:.2f}' +
                       ('' if b is None else f' ({v - b:+.2f})'))
        row.append(f'x{chosen[m]:g}' if m in chosen else 'n/a')
        lines.append('| ' + ' | '.join(row) + ' |')
    lines += ['', f'Wall time {(time.time() - start) / 60:.1f} min.']
    md = '\n'.join(lines) + '\n'
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(md)
    with open(osp.join(args.work_dir, 'chosen_scales.json'), 'w') as f:
        json.dump(chosen, f, indent=1, sort_keys=True)
    print(f'\n{md}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
