"""Quality benchmark on the embedded DemoShapes data: every method against
the student trained alone, over several seeds.

    python tools/benchmark/quality.py [--seeds 0 1 2 3 4 | --quick]
        [--methods l2d mld ...] [--epochs E] [--num-train N] [--jobs 2]
        [--work-dir work_dirs/quality]

1. trains the demo teachers once (seed 0): configs/demo/teacher.py (linear
   head) for the linear-head methods, configs/demo/teacher_mldecoder.py for
   L2D;
2. for each seed, trains the student alone (configs/demo/student_alone.py;
   configs/demo/student_mldecoder.py as L2D's baseline) and the student with
   each method's demo config, distilled from the teacher of step 1;
3. scores every final checkpoint with tools/demo.py's ``score()``
   (tools/test.py on the 1000 validation images, mmlkd's metric);
4. writes ``<work-dir>/results.md`` (and the same as data in
   ``results.json``: mean ± std of mAP, CF1, OF1 over the
   seeds; the mAP gain over the matching student-alone baseline, paired by
   seed, as mean ± std of the per-seed differences with its 95 % Student-t
   interval, marked significant when the interval excludes 0; see
   ``paired_stats.py``) and ``<work-dir>/quality.png`` (bar chart).

Seeds: 0-4 by default; ``--quick`` runs 0-2 (development), ``--seeds`` any
list. The runs of one seed are paired: ``PairedInitHook`` (on in
configs/_base_/default_runtime.py) gives the student alone and every
distilled student of that seed the same initial weights and data order.

Each run is one single-threaded ``tools/train.py`` process with batch 64;
``--jobs`` of them (training or scoring) run at a time (OMP_NUM_THREADS=1).
Seeds reach the runs as ``--cfg-options randomness.seed=S``. The benchmark is
resumable: a run whose final checkpoint exists is not trained again, one
with an earlier checkpoint resumes from it, and scores are cached next to the
checkpoints (``scores.json``). Logs: ``<work-dir>/logs/``.
"""
import argparse
import json
import math
import os
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

# The method table (read from the metafiles) is methods.py's.
from methods import ALL_METHODS, BASELINES, METHODS, TEACHERS
from paired_stats import PairedGain, paired_differences, paired_gain

METRICS = ('mAP', 'CF1', 'OF1')
TEACHER_SEED = 0
DEFAULT_SEEDS = [0, 1, 2, 3, 4]
QUICK_SEEDS = [0, 1, 2]


# ------------------------------------------------------------ run settings
def schedule_overrides(config: str, epochs: Optional[int]) -> List[str]:
    """--cfg-options that shorten a config's schedule to ``epochs``.

    Epoch-based schedulers that ended with the training end with it again,
    so the learning rate still anneals fully in a shortened run.
    """
    if epochs is None:
        return []
    from mmengine.config import Config

    import mmlkd  # noqa: F401  (compat: `mmpretrain::` bases)
    cfg = Config.fromfile(osp.join(ROOT, config))
    old = cfg.train_cfg.max_epochs
    opts = [f'train_cfg.max_epochs={epochs}']
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for i, s in enumerate(schedulers):
        if s.get('by_epoch', True) and s.get('end') == old:
            opts.append(f'param_scheduler.{i}.end={epochs}')
    return opts


def final_epoch(config: str, epochs: Optional[int]) -> int:
    if epochs is not None:
        return epochs
    from mmengine.config import Config

    import mmlkd  # noqa: F401
    return int(Config.fromfile(osp.join(ROOT, config)).train_cfg.max_epochs)


class Run(NamedTuple):
    key: str  # unique job name, e.g. 'kd/seed1'
    kind: str  # 'teacher' | 'baseline' | 'method'
    name: str  # teacher / baseline / method key
    config: str
    seed: int
    work_dir: str
    teacher: Optional[str]  # key of the run whose checkpoint is the teacher


def plan_runs(args) -> List[Run]:
    runs: Dict[str, Run] = {}
    work = args.work_dir

    def add(run: Run) -> None:
        runs.setdefault(run.key, run)

    for t in TEACHERS:
        if any(ALL_METHODS[m].teacher == t for m in args.methods):
            add(
                Run(t, 'teacher', t, TEACHERS[t][0], TEACHER_SEED,
                    osp.join(work, t), None))
    wanted_baselines = {ALL_METHODS[m].baseline for m in args.methods}
    for b in BASELINES:
        if b not in wanted_baselines:
            continue
        for s in args.seeds:
            add(
                Run(f'{b}/seed{s}', 'baseline', b, BASELINES[b][0], s,
                    osp.join(work, b, f'seed{s}'), None))
    for m in args.methods:
        method = ALL_METHODS[m]
        for s in args.seeds:
            add(
                Run(f'{m}/seed{s}', 'method', m, method.config, s,
                    osp.join(work, m, f'seed{s}'), method.teacher))
    return list(runs.values())


# ------------------------------------------------------------------- jobs
class Job:
    """A unit of work for the scheduler: runs ``fn`` in a thread once every
    job in ``deps`` has succeeded."""

    def __init__(self, name: str, fn: Callable[[], None], deps=()):
        self.name, self.fn, self.deps = name, fn, list(deps)
        self.state = 'pending'  # pending | running | done | failed | skipped
        self.error: Optional[str] = None
        self.seconds = 0.0
        self.thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self.state = 'running'

        def target():
            t0 = time.time()
            try:
                self.fn()
                self.state = 'done'
            except BaseException as e:  # reported by the scheduler
                self.error = f'{type(e).__name__}: {e}'
                self.state = 'failed'
            self.seconds = time.time() - t0

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()


def run_jobs(jobs: List[Job], parallel: int, log: Callable) -> None:
    by_name = {j.name: j for j in jobs}
    start = time.time()
    while True:
        for j in jobs:
            if j.state == 'pending' and any(
                    by_name[d].state in ('failed', 'skipped') for d in j.deps):
                j.state, j.error = 'skipped', 'a job it needs failed'
                log(f'skipped {j.name}: {j.error}')
        running = [j for j in jobs if j.state == 'running']
        ready = [
            j for j in jobs
            if j.state == 'pending' and all(by_name[d].state == 'done'
                                            for d in j.deps)
        ]
        for j in ready[:max(0, parallel - len(running))]:
            log(f'start {j.name}')
            j.start()
            running.append(j)
        if not running:
            break
        time.sleep(0.2)
        for j in running:
            if j.state in ('done', 'failed'):
                j.thread.join()
                finished = sum(
                    x.state in ('done', 'failed', 'skipped') for x in jobs)
                msg = (f'{"done" if j.state == "done" else "FAILED"} '
                       f'{j.name} in {j.seconds / 60:.1f} min '
                       f'[{finished}/{len(jobs)} jobs, '
                       f'{(time.time() - start) / 60:.1f} min elapsed]')
                log(msg + (f': {j.error}' if j.error else ''))


def checkpoint_at(work_dir: str, epoch: int) -> Optional[str]:
    path = osp.join(work_dir, f'epoch_{epoch}.pth')
    return path if osp.isfile(path) else None


def train_fn(run: Run, args, epoch: int, teacher_ckpt: Callable,
             log_dir: str) -> Callable[[], None]:

    def fn():
        cmd = [
            sys.executable, 'tools/train.py', run.config, '--work-dir',
            run.work_dir
        ]
        from demo import final_checkpoint
        if final_checkpoint(run.work_dir) is not None:
            cmd.append('--resume')  # an interrupted run continues
        opts = [
            f'randomness.seed={run.seed}',
            # Scored afterwards by tools/test.py: no validation here
            # (mmengine validates after the last epoch otherwise).
            'val_cfg=None',
            'val_dataloader=None',
            'val_evaluator=None',
            'default_hooks.logger.interval=20'
        ]
        opts += schedule_overrides(run.config, args.epochs)
        if args.num_train is not None:
            opts.append('train_dataloader.dataset.num_images='
                        f'{args.num_train}')
        if run.teacher is not None:
            opts.append(f'model.teacher_ckpt={teacher_ckpt()}')
        cmd += ['--cfg-options'] + opts
        log_file = osp.join(log_dir, run.key.replace('/', '_') + '.log')
        env = dict(
            os.environ,
            PYTHONPATH=ROOT,
            OMP_NUM_THREADS='1',
            PYTHONUNBUFFERED='1')
        os.makedirs(run.work_dir, exist_ok=True)
        t0 = time.time()
        with open(log_file, 'w') as f:
            proc = subprocess.run(
                cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            raise RuntimeError(f'tools/train.py exited with {proc.returncode}'
                               f'; see {log_file}')
        if checkpoint_at(run.work_dir, epoch) is None:
            raise RuntimeError(f'no epoch_{epoch}.pth in {run.work_dir}; see '
                               f'{log_file}')
        with open(osp.join(run.work_dir, 'train_time.json'), 'w') as f:
            json.dump(dict(seconds=time.time() - t0), f)

    return fn


def score_fn(run: Run, epoch: int) -> Callable[[], None]:

    def fn():
        from demo import score
        ckpt = checkpoint_at(run.work_dir, epoch)
        t0 = time.time()
        metrics = score(run.config, ckpt, run.work_dir)
        with open(osp.join(run.work_dir, 'scores.json'), 'w') as f:
            json.dump(
                dict(
                    checkpoint=ckpt,
                    metrics=metrics,
                    seconds=time.time() - t0,
                    mtime=osp.getmtime(ckpt)), f)

    return fn


def cached_scores(run: Run, epoch: int) -> Optional[Dict[str, float]]:
    ckpt = checkpoint_at(run.work_dir, epoch)
    path = osp.join(run.work_dir, 'scores.json')
    if ckpt is None or not osp.isfile(path):
        return None
    with open(path) as f:
        saved = json.load(f)
    # Scores of an older checkpoint (a retrained run) are stale.
    if saved.get('checkpoint') != ckpt or saved.get('mtime') != osp.getmtime(
            ckpt):
        return None
    return saved['metrics']


# ---------------------------------------------------------------- results
def results_json(table: Dict[str, Dict], order: List[str]) -> Dict:
    """The table as data: per row its label, config, per-seed metrics,
    mean and std of each metric and, for methods, the paired mAP gain."""
    out = {}
    for name in order:
        if name not in table:
            continue
        by_seed = table[name]
        config = (
            TEACHERS[name][0] if name in TEACHERS else BASELINES[name][0]
            if name in BASELINES else ALL_METHODS[name].config)
        row = dict(
            label=row_label(name),
            config=config,
            seeds={
                str(s): m
                for s, m in sorted(by_seed.items())
            })
        for k in METRICS:
            vals = [m[k] for m in by_seed.values()]
            row[k] = dict(
                mean=statistics.fmean(vals),
                std=statistics.stdev(vals) if len(vals) > 1 else None)
        if name in ALL_METHODS:
            row['baseline'] = ALL_METHODS[name].baseline
            gain = method_gain(table, name)
            row['gain'] = None if gain is None else dict(
                n=gain.n,
                mean=gain.mean,
                std=gain.std,
                low=gain.low,
                high=gain.high,
                significant=gain.significant)
        out[name] = row
    return out


def _mean_std(values: List[float]) -> str:
    if not values:
        return 'n/a'
    mean = statistics.fmean(values)
    if len(values) < 2:
        return f'{mean:.2f}'
    return f'{mean:.2f} ± {statistics.stdev(values):.2f}'


def collect(runs: List[Run], epochs: Dict[str, int]) -> Dict[str, Dict]:
    """Scores per row key ('teacher', 'student_alone', 'kd', ...) by seed."""
    table: Dict[str, Dict[int, Dict[str, float]]] = {}
    for run in runs:
        metrics = cached_scores(run, epochs[run.key])
        if metrics is not None:
            table.setdefault(run.name, {})[run.seed] = metrics
    return table


def row_label(name: str) -> str:
    if name in TEACHERS:
        return TEACHERS[name][1]
    if name in BASELINES:
        return BASELINES[name][1]
    return ALL_METHODS[name].label


def method_gain(table: Dict[str, Dict], name: str) -> Optional[PairedGain]:
    """Paired mAP gain of method ``name`` over its baseline, None when no
    seed has both."""
    base = table.get(ALL_METHODS[name].baseline, {})
    diffs = paired_differences(
        {
            s: m['mAP']
            for s, m in table.get(name, {}).items()
        }, {
            s: m['mAP']
            for s, m in base.items()
        })
    return paired_gain(diffs) if diffs else None


def gain_cells(gain: Optional[PairedGain], seeds: int) -> Sequence[str]:
    """The 'paired gain' and 'significant' cells of a method's row."""
    if gain is None:
        return ('no seed paired with the baseline', '')
    if gain.half_width is None:
        return (f'{gain.mean:+.2f} (1 pair: no interval)', 'n/a')
    cell = (f'{gain.mean:+.2f} ± {gain.std:.2f} '
            f'[{gain.low:+.2f}, {gain.high:+.2f}]')
    if gain.n != seeds:
        cell += f' ({gain.n} pairs)'
    return (cell, 'yes' if gain.significant else 'no')


def results_markdown(table: Dict[str, Dict], order: List[str], args,
                     wall: float, compute: float, missing: List[str]) -> str:
    lines = [
        f'DemoShapes validation set (1000 images, 16 classes); seeds '
        f'{", ".join(map(str, args.seeds))}; mean ± std over seeds (sample '
        'std). Paired gain: per seed, the method\'s mAP minus its '
        'student-alone baseline\'s mAP (same seed, same initial student '
        'weights and data order); mean ± std of these differences over the '
        'n seeds, and in brackets the 95 % confidence interval of the mean, '
        'mean ± t(0.975, n-1) · std / √n (Student\'s t). Significant: the '
        'interval excludes 0. With one pair there is no interval.',
        '',
        '| model | seeds | mAP (mean ± std) | CF1 | OF1 | paired gain '
        '(mean ± std [95 % CI]) | significant |',
        '| --- | ---: | ---: | ---: | ---: | ---: | :---: |',
    ]
    for name in order:
        if name not in table:
            continue
        by_seed = table[name]
        cells = [_mean_std([m[k] for m in by_seed.values()]) for k in METRICS]
        gain = ('', '')
        if name in ALL_METHODS:
            gain = gain_cells(method_gain(table, name), len(by_seed))
        lines.append(f'| {row_label(name)} | {len(by_seed)} | '
                     f'{" | ".join(cells)} | {gain[0]} | {gain[1]} |')
    settings = [
        f'{args.epochs} epochs'
        if args.epochs else 'the configs\' epochs (students 6, teachers 12)',
        f'{args.num_train} training images'
        if args.num_train else '3000 training images'
    ]
    lines += [
        '',
        f'Settings: {", ".join(settings)}, batch 64, one single-threaded '
        f'process per run, {args.jobs} at a time. Wall time of this '
        f'invocation {wall / 60:.1f} min; training + scoring time of all '
        f'runs {compute / 60:.1f} min.',
    ]
    if missing:
        lines.append(f'Not run: {"; ".join(missing)}.')
    return '\n'.join(lines) + '\n'


def bar_chart(table: Dict[str, Dict], order: List[str], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    names = [n for n in order if n in table]
    colour = {'teacher': '#7f7f7f', 'baseline': '#d62728', 'method': '#1f77b4'}

    def kind(n):
        return ('teacher' if n in TEACHERS else
                'baseline' if n in BASELINES else 'method')

    means, errs = [], []
    for n in names:
        vals = [m['mAP'] for m in table[n].values()]
        means.append(statistics.fmean(vals))
        errs.append(statistics.stdev(vals) if len(vals) > 1 else 0.0)
    fig, ax = plt.subplots(figsize=(max(7, 0.75 * len(names) + 4), 4.8))
    x = list(range(len(names)))
    ax.bar(
        x, means, yerr=errs, capsize=3, color=[colour[kind(n)] for n in names])
    base_mean = {n: means[i] for i, n in enumerate(names) if n in BASELINES}
    for (n, m), ls in zip(base_mean.items(), ('--', ':')):
        # The bar a method must beat.
        ax.axhline(
            m, color=colour['baseline'], ls=ls, lw=0.9, label=row_label(n))
    for i, n in enumerate(names):
        text = f'{means[i]:.1f}'
        gain = method_gain(table, n) if n in ALL_METHODS else None
        if gain is not None:
            text += f'\n{gain.mean:+.1f}' + ('*' if gain.significant else '')
        ax.text(
            i,
            means[i] + errs[i] + 0.2,
            text,
            ha='center',
            va='bottom',
            fontsize=7)
    ax.set_xticks(x)
    ax.set_xticklabels([row_label(n) for n in names],
                       rotation=35,
                       ha='right',
                       fontsize=8)
    ax.set_ylabel('val mAP (%)')
    lo = min(m - e for m, e in zip(means, errs)) - 3
    hi = max(m + e for m, e in zip(means, errs)) + 3
    ax.set_ylim(max(0, math.floor(lo)), min(100, math.ceil(hi)))
    seeds = max(len(v) for v in table.values())
    ax.set_title(
        f'DemoShapes val mAP, mean ± std over {seeds} seed(s); '
        'numbers: mAP, paired gain vs alone (* 95 % CI excludes 0)',
        fontsize=9)
    handles = [
        Patch(color=colour[k], label=lab)
        for k, lab in (('teacher', 'teacher'), ('baseline', 'student alone'),
                       ('method', 'distilled student'))
    ]
    handles += ax.get_legend_handles_labels()[0]
    ax.legend(
        handles=handles,
        fontsize=7,
        loc='upper left',
        bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument(
        '--seeds',
        nargs='+',
        type=int,
        default=None,
        help=f'seeds to run (default: {DEFAULT_SEEDS})')
    seeds.add_argument(
        '--quick',
        action='store_true',
        help=f'development mode: seeds {QUICK_SEEDS}')
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(METHODS),
        choices=list(ALL_METHODS))
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override every run\'s epochs (quick checks)')
    parser.add_argument(
        '--num-train',
        type=int,
        default=None,
        help='override the number of training images')
    parser.add_argument(
        '--jobs',
        type=int,
        default=2,
        help='processes at a time (one core each)')
    parser.add_argument('--work-dir', default='work_dirs/quality')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='print the plan and what is reused, run nothing')
    args = parser.parse_args(argv)
    if args.seeds is None:
        args.seeds = list(QUICK_SEEDS if args.quick else DEFAULT_SEEDS)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds: repeated seed in {args.seeds}')
    args.work_dir = osp.join(ROOT, args.work_dir)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    log_dir = osp.join(args.work_dir, 'logs')
    os.makedirs(log_dir, exist_ok=True)
    lock = threading.Lock()

    def log(msg: str) -> None:
        with lock:
            print(f'[quality] {msg}', flush=True)

    missing = []
    present = []
    for m in args.methods:
        if osp.isfile(osp.join(ROOT, ALL_METHODS[m].config)):
            present.append(m)
        else:
            missing.append(f'{m} ({ALL_METHODS[m].config} not found)')
            log(f'skipping {m}: {ALL_METHODS[m].config} not found')
    args.methods = present
    if not present:
        log('no method to run')
        return 1

    runs = plan_runs(args)
    epochs = {r.key: final_epoch(r.config, args.epochs) for r in runs}
    by_key = {r.key: r for r in runs}
    jobs: List[Job] = []
    for run in runs:
        ep = epochs[run.key]
        train_deps = [run.teacher] if run.teacher else []
        trained = checkpoint_at(run.work_dir, ep) is not None
        if trained:
            log(f'reusing {osp.relpath(run.work_dir, ROOT)} '
                f'(epoch_{ep}.pth exists)')
        else:
            teacher = by_key.get(run.teacher)

            def teacher_ckpt(t=teacher):
                return checkpoint_at(t.work_dir, epochs[t.key])

            jobs.append(
                Job(f'train {run.key}',
                    train_fn(run, args, ep, teacher_ckpt, log_dir), [
                        f'train {d}' for d in train_deps
                        if checkpoint_at(by_key[d].work_dir, epochs[d]) is None
                    ]))
        if not trained or cached_scores(run, ep) is None:
            jobs.append(
                Job(f'score {run.key}', score_fn(run, ep),
                    [] if trained else [f'train {run.key}']))
    log(f'{len(runs)} runs ({len(args.seeds)} seed(s), methods: '
        f'{", ".join(args.methods)}); {len(jobs)} jobs to do, '
        f'{args.jobs} at a time')
    if args.dry_run:
        for j in jobs:
            log(f'would run {j.name}' +
                (f' after {", ".join(j.deps)}' if j.deps else ''))
        return 0
    run_jobs(jobs, args.jobs, log)

    table = collect(runs, epochs)
    order = ([t for t in TEACHERS] + [b for b in BASELINES] +
             [m for m in ALL_METHODS if m in args.methods])
    compute = 0.0
    for run in runs:
        for name in ('train_time.json', 'scores.json'):
            p = osp.join(run.work_dir, name)
            if osp.isfile(p):
                with open(p) as f:
                    compute += json.load(f).get('seconds', 0.0)
    failed = [j for j in jobs if j.state in ('failed', 'skipped')]
    missing += [f'{j.name} ({j.error})' for j in failed]
    md = results_markdown(table, order, args,
                          time.time() - start, compute, missing)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(md)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results_json(table, order), f, indent=1)
    if table:
        bar_chart(table, order, osp.join(args.work_dir, 'quality.png'))
    rel = osp.relpath(args.work_dir, ROOT)
    print(f'\n{md}\n(written to {rel}/results.md and {rel}/quality.png)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
