"""The README demo: teacher, student alone and distilled students on the
embedded DemoShapes data, on the CPU, then a table of their mAP.

    python tools/demo.py [--methods mld ...] [--work-dir work_dirs/demo] \
        [--force]

Steps (each a standard tool, so the log shows mmengine's progress and ETA):
1. `tools/train.py configs/demo/teacher.py` (one process) beside
   `bash tools/dist_train.sh configs/demo/student_alone.py 2`;
2. `bash tools/dist_train.sh <method config> 2` for every method, side by
   side, distilling from the teacher of step 1. The student alone and the
   distilled students are paired: the same process count, initial student
   weights (PairedInitHook), data order and flips;
3. `tools/test.py` on every final checkpoint, scored by mmlkd's metric.
Finished runs are reused unless `--force` is given.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))

# Method name -> (config, row label); all run by default. Each config inherits
# configs/_base_/distill/demo_linear.py or its own demo teacher setup.
# RUNS: the teacher and the student alone they share. From methods.py's
# table (read from the metafiles).
from methods import DEMO_METHODS as METHODS  # noqa: E402
from methods import DEMO_RUNS as RUNS  # noqa: E402

LOG_EVERY = 'default_hooks.logger.interval=20'
# The teacher trains on one process; every student (alone or distilled) on
# NPROC gloo processes. tools/train.py splits the configs' global batch (64)
# over them and, for the configs' sync_bn, all-reduces BatchNorm statistics
# (CPUSyncBatchNorm), so they train the single-process recipe.
NPROC = 2


def _pump(proc: subprocess.Popen, tag: str, sink) -> None:
    for line in proc.stdout:
        sys.stdout.write(f'[{tag}] {line}')
        sink.write(line)
    proc.wait()


def dist_train(config: str, work_dir: str, *options: str) -> List[str]:
    """`tools/dist_train.sh` on NPROC processes, on a port of its own (so
    that several runs can go side by side)."""
    from torch.distributed.elastic.utils.distributed import get_free_port
    return [
        'env', f'PORT={get_free_port()}', 'bash', 'tools/dist_train.sh',
        config,
        str(NPROC), '--work-dir', work_dir, '--cfg-options', LOG_EVERY
    ] + list(options)


def run_parallel(jobs: Dict[str, List[str]], log_dir: str) -> None:
    """Run commands concurrently, streaming tagged output; fail loudly."""
    env = dict(
        os.environ,
        PYTHONPATH=ROOT,
        OMP_NUM_THREADS='1',
        PYTHONUNBUFFERED='1',
        PYTHON=sys.executable)
    procs, threads, logs = {}, [], []
    for tag, cmd in jobs.items():
        log = open(osp.join(log_dir, f'{tag}.log'), 'w')
        logs.append(log)
        procs[tag] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True)
        t = threading.Thread(target=_pump, args=(procs[tag], tag, log))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for log in logs:
        log.close()
    failed = [tag for tag, p in procs.items() if p.returncode != 0]
    if failed:
        raise SystemExit(f'demo step(s) failed: {", ".join(failed)}; see '
                         f'{log_dir}/<step>.log')


def final_checkpoint(work_dir: str) -> Optional[str]:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def score(config: str, ckpt: str, work_dir: str) -> Dict[str, float]:
    """Test a checkpoint with tools/test.py and score its dumped
    predictions."""
    import numpy as np

    from mmlkd.evaluation import average_precision, multilabel_f1_scores
    from mmlkd.utils.prediction_dump import load_prediction_dump
    out = osp.join(work_dir, 'test_preds.pkl')
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    subprocess.run([
        sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
        osp.join(work_dir, 'test'), '--out', out
    ],
                   cwd=ROOT,
                   env=env,
                   check=True,
                   stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    preds = load_prediction_dump(out)
    scores = np.stack([p['pred_score'].numpy() for p in preds])
    targets = np.stack([p['gt_score'].numpy() for p in preds])
    ap = average_precision(scores, targets)
    metrics = {
        k: 100 * v
        for k, v in multilabel_f1_scores(scores, targets).items()
    }
    metrics['mAP'] = 100 * float(np.nanmean(ap))
    return metrics


def count_params(config: str, distill: bool) -> float:
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, config))
    model_cfg = cfg.model.architecture if distill else cfg.model
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_cfg)
    return sum(p.numel() for p in model.parameters()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain even if a finished run exists')
    args = parser.parse_args()

    import mmlkd  # noqa: F401
    work = osp.join(ROOT, args.work_dir)
    os.makedirs(work, exist_ok=True)
    start = time.time()

    runs = dict(RUNS)
    runs.update({m: METHODS[m] for m in args.methods})

    def todo(names: List[str]) -> List[str]:
        left = []
        for name in names:
            wd = osp.join(work, name)
            if args.force or final_checkpoint(wd) is None:
                left.append(name)
            else:
                print(f'[demo] reusing {wd} (use --force to retrain)')
        return left

    jobs = {}
    for name in todo(['teacher', 'student_alone']):
        wd = osp.join(work, name)
        jobs[name] = ([
            sys.executable, 'tools/train.py', runs[name][0], '--work-dir', wd,
            '--cfg-options', LOG_EVERY
        ] if name == 'teacher' else dist_train(runs[name][0], wd))
    if jobs:
        what = {
            'teacher':
            'the teacher (tools/train.py)',
            'student_alone':
            f'the student alone ({NPROC} CPU processes, '
            'tools/dist_train.sh)'
        }
        print('[demo] step 1: training ' + ' beside '.join(what[j]
                                                           for j in jobs))
        run_parallel(jobs, work)
    teacher_ckpt = final_checkpoint(osp.join(work, 'teacher'))

    jobs = {
        m:
        dist_train(runs[m][0], osp.join(work, m),
                   f'model.teacher_ckpt={teacher_ckpt}')
        for m in todo(list(args.methods))
    }
    if jobs:
        print(f'[demo] step 2: distilling the student with '
              f'{", ".join(jobs)}, side by side, {NPROC} CPU processes each '
              '(tools/dist_train.sh)')
        run_parallel(jobs, work)

    print('[demo] step 3: testing every final checkpoint (tools/test.py)')

    def evaluate(name: str) -> Dict[str, float]:
        wd = osp.join(work, name)
        return score(runs[name][0], final_checkpoint(wd), wd)

    with ThreadPoolExecutor(NPROC) as pool:  # tools/test.py subprocesses
        scores = list(pool.map(evaluate, runs))
    rows = [(label,
             count_params(
                 config, distill=name
                 not in ('teacher', 'student_alone')), metrics)
            for (name, (config, label)), metrics in zip(runs.items(), scores)]

    base = rows[1][2]['mAP']
    lines = [
        '| model | params (M) | mAP | CF1 | OF1 | mAP gain vs alone |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
    ]
    for label, params, m in rows:
        gain = '' if label.startswith(
            ('teacher', 'student trained')) else (f'{m["mAP"] - base:+.2f}')
        lines.append(f'| {label} | {params:.3f} | {m["mAP"]:.2f} | '
                     f'{m["CF1"]:.2f} | {m["OF1"]:.2f} | {gain} |')
    table = '\n'.join(lines)
    with open(osp.join(work, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print(f'\nDemoShapes val (1000 images, 16 classes); wall time '
          f'{(time.time() - start) / 60:.1f} min\n{table}\n'
          f'(also written to {osp.relpath(work, ROOT)}/results.md)')


if __name__ == '__main__':
    main()
