"""One-command GPU check (``make gpu-check``): CUDA tests, distillation
throughput and input-pipeline throughput, in one markdown report.

    python tools/benchmark/gpu_check.py [--out work_dirs/gpu_check/report.md]
        [--methods l2d mld cams_kd clkd kd] [--batch 64] [--reps 10]
        [--images 300] [--skip-tests] [--cpu-smoke]

On a machine with CUDA (about 5 minutes on one modern GPU; nothing is
downloaded: random weights, synthetic batches in memory, generated JPEGs on
local disk):

1. the tests marked ``cuda`` (``tests/test_cuda``: LED, MLD, CAM, CLKD
   losses and an L2D distillation step under AMP equal their float32 CPU
   values, the mAP evaluator on CUDA equals the CPU's; ``tests/test_engine``:
   a demo distillation trains with ``ChannelsLastHook``) and their CPU
   variants;
2. ResNet-101 -> ResNet-18 at 224 px, batch 64, AMP (float16),
   channels_last, for L2D, MLD, CAM-KD, CLKD and vanilla KD
   (``tools/benchmark/distill_overhead.py`` on their COCO configs): images/s
   of the teacher forward, the student step alone and the distillation step,
   the ratio distillation / (teacher forward + student step), peak memory;
3. the COCO and L2D train pipelines in images/s per data-loader worker
   (``tools/benchmark/bench_pipeline.py``; original and pre-resized JPEGs),
   and the workers one GPU needs to feed the distillation step measured in 2.

Without CUDA it says so, runs the CPU parts (the tests' CPU variants, the
pipeline benchmark) and exits 0. ``--cpu-smoke`` also runs part 2 on the CPU
at toy sizes (batch 2, 64 px, 1 repetition): a check that the GPU part
works, not a measurement. The exit status is 1 when a test or a part fails.
"""
import argparse
import os
import os.path as osp
import platform
import subprocess
import sys
import time
import traceback
from types import SimpleNamespace
from typing import Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))

import bench_pipeline
import distill_overhead
from methods import COCO_LABELS as LABELS


def run_tests(cuda: bool, timeout: int) -> Dict:
    """The CUDA tests (their CPU variants too); pytest's summary line."""
    cmd = [
        sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
        'tests/test_cuda', 'tests/test_engine'
    ]
    env = dict(os.environ, PYTHONPATH=ROOT)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout)
        out, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        out, code = f'{e.stdout or ""}\ntimed out after {timeout} s', 124
    lines = [ln for ln in out.splitlines() if ln.strip()]
    summary = next((ln for ln in reversed(lines)
                    if ' passed' in ln or ' failed' in ln or ' error' in ln),
                   lines[-1] if lines else 'no output')
    failures = [ln for ln in lines if ln.startswith(('FAILED', 'ERROR'))]
    return dict(
        command=' '.join(cmd[2:]),
        returncode=code,
        summary=summary.strip('= '),
        failures=failures,
        seconds=time.perf_counter() - t0,
        note='' if cuda else 'no CUDA: the cuda-marked tests skip, '
        'their CPU (bfloat16) variants run')


def run_throughput(methods: List[str], device: str, batch: int, size: int,
                   reps: int, warmup: int, memory: bool) -> List[Dict]:
    args = SimpleNamespace(
        batch=batch,
        device=device,
        reps=reps,
        warmup=warmup,
        no_memory=not memory,
        clock='wall',
        amp_dtype='float16',
        channels_last=True)
    rows = []
    for name in methods:
        path = distill_overhead.COCO_METHODS[name]
        try:
            row = distill_overhead.bench_coco(name, path, args, size)
        except Exception as e:  # report and go on with the next method
            traceback.print_exc()
            row = dict(method=name, config=path, error=repr(e)[:200])
        rows.append(row)
        print(
            f'[throughput] {name}: ' +
            (row['error'] if 'error' in row else
             f'distill {row["distill_img_s"]:.0f} img/s, ratio '
             f'{row["ratio"]:.3f}'),
            flush=True)
        if device.startswith('cuda'):
            torch.cuda.empty_cache()
    return rows


def throughput_markdown(rows: List[Dict], batch: int, size: int) -> str:
    ok = [r for r in rows if 'error' not in r]
    head = ok[0] if ok else {}
    lines = [
        f'ResNet-101 -> ResNet-18, {size} px, batch {batch}, AMP '
        f'{head.get("amp") or "off"}, channels_last, random weights, '
        f'{head.get("gpu", "?")}; ratio = distillation step / (teacher '
        f'forward + student step), goal <= {distill_overhead.GOAL:.2f}', '',
        '| method | teacher fwd img/s | student step img/s | distill step '
        'img/s | ratio | peak MiB distill | peak MiB reference |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |'
    ]
    for r in rows:
        label = LABELS.get(r['method'], r['method'])
        if 'error' in r:
            lines.append(f'| {label} | failed: {r["error"]} | | | | | |')
            continue
        mem = (f'{r["distill_mib"]:.0f} | {r["reference_mib"]:.0f}'
               if 'distill_mib' in r else '- | -')
        lines.append(f'| {label} | {r["teacher_img_s"]:.0f} | '
                     f'{r["student_img_s"]:.0f} | {r["distill_img_s"]:.0f} | '
                     f'{r["ratio"]:.3f} | {mem} |')
    return '\n'.join(lines)


def run_pipelines(images: int, gpu_rate: Optional[float]) -> Dict:
    argv = ['--images', str(images), '--loader-epochs', '2']
    if gpu_rate:
        argv += ['--gpu-images-per-s', f'{gpu_rate:.0f}']
    return bench_pipeline.run(bench_pipeline.parse_args(argv))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='work_dirs/gpu_check/report.md')
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(distill_overhead.COCO_METHODS),
        choices=list(distill_overhead.COCO_METHODS))
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--reps', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument(
        '--images',
        type=int,
        default=300,
        help='generated JPEGs for the pipeline benchmark')
    parser.add_argument('--skip-tests', action='store_true')
    parser.add_argument('--test-timeout', type=int, default=240)
    parser.add_argument(
        '--cpu-smoke',
        action='store_true',
        help='without CUDA, also run the throughput part '
        'on the CPU at toy sizes (checks the code path)')
    args = parser.parse_args(argv)

    start = time.perf_counter()
    cuda = torch.cuda.is_available()
    from mmengine.logging import MMLogger
    MMLogger.get_instance('gpu_check', log_level='ERROR')
    env = (f'torch {torch.__version__}, CUDA {torch.version.cuda}, '
           f'{torch.cuda.get_device_name(0)}'
           if cuda else f'torch {torch.__version__}, no CUDA device')
    print(
        f'[gpu-check] {env}; python {platform.python_version()}; '
        f'{os.cpu_count()} CPU cores',
        flush=True)
    if not cuda:
        print(
            '[gpu-check] no CUDA device: running the CPU parts only '
            '(tests\' CPU variants, pipeline benchmark)',
            flush=True)
    failed = []
    sections = [f'# mmlkd GPU check\n\n{env}; {os.cpu_count()} CPU cores']

    if not args.skip_tests:
        tests = run_tests(cuda, args.test_timeout)
        print(f'[tests] {tests["command"]}: {tests["summary"]}', flush=True)
        if tests['returncode'] != 0:
            failed.append('tests')
        text = (f'## CUDA tests\n\n`{tests["command"]}`: {tests["summary"]}'
                f' ({tests["seconds"]:.0f} s)')
        if tests['note']:
            text += f'; {tests["note"]}'
        if tests['failures']:
            text += '\n\n' + '\n'.join(f'- {f}' for f in tests['failures'])
        sections.append(text)

    gpu_rate = None
    if cuda or args.cpu_smoke:
        device = 'cuda' if cuda else 'cpu'
        batch, size = (args.batch, 224) if cuda else (2, 64)
        reps, warmup = (args.reps, args.warmup) if cuda else (1, 0)
        rows = run_throughput(
            args.methods, device, batch, size, reps, warmup, memory=cuda)
        if any('error' in r for r in rows):
            failed.append('throughput')
        title = ('## Distillation throughput' if cuda else
                 '## Distillation throughput (CPU smoke run, toy sizes: '
                 'not a measurement)')
        sections.append(f'{title}\n\n'
                        f'{throughput_markdown(rows, batch, size)}')
        l2d = [r for r in rows if r['method'] == 'l2d' and 'error' not in r]
        if cuda and l2d:
            gpu_rate = l2d[0]['distill_img_s']
    else:
        sections.append('## Distillation throughput\n\nskipped: no CUDA '
                        'device')

    try:
        pipe = run_pipelines(args.images, gpu_rate)
        text = bench_pipeline.markdown(pipe)
        if gpu_rate:
            text += (f'\n\nWorkers column: data-loader workers needed to '
                     f'feed the L2D distillation step measured above '
                     f'({gpu_rate:.0f} images/s).')
        sections.append(f'## Input pipeline\n\n{text}')
    except Exception as e:
        traceback.print_exc()
        failed.append('pipeline')
        sections.append(f'## Input pipeline\n\nfailed: {e!r}')

    minutes = (time.perf_counter() - start) / 60
    sections.append(f'Total {minutes:.1f} min' + (
        f'; FAILED: {", ".join(failed)}' if failed else '; all parts ran'))
    report = '\n\n'.join(sections) + '\n'
    out = osp.join(ROOT, args.out) if not osp.isabs(args.out) else args.out
    os.makedirs(osp.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        f.write(report)
    print('\n' + report)
    print(f'[gpu-check] report written to {osp.relpath(out, ROOT)}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
