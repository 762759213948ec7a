"""Run every speed benchmark of tools/benchmark/ and print all their ratios
in one table (``make benchmark``).

    python tools/benchmark/run_all.py [--quick] [--device cpu|cuda] [--coco]
        [--only NAME ...] [--out work_dirs/benchmark/summary.md]

Each benchmark runs in its own process (as its own command line would run
it; its output is echoed with a ``[name]`` prefix) and times its subject
against a reference in that same process, so the ratios mean something on a
busy machine where absolute times do not. The exit status is non-zero when a
benchmark fails or prints no ratio this script can read.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, NamedTuple, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class Ratio(NamedTuple):
    benchmark: str
    what: str
    value: float
    reading: str  # how to read it (direction, goal)


def parse_led(out: str, _json) -> List[Ratio]:
    found = re.findall(r'^(?:\[(\w+)\] )?speed-up: ([0-9.]+)x', out, re.M)
    return [
        Ratio(
            'LEDLoss', 'per-set Python loop / batched LEDLoss '
            f'(fwd+bwd{", " + stats + " labels" if stats else ""})', float(v),
            'speed-up, goal >= 20') for stats, v in found
    ]


def parse_partial_softmax(out: str, _json) -> List[Ratio]:
    return [
        Ratio('PartialSoftmaxKDLoss', f'{name.strip()} / batched O(BC)',
              float(v), 'speed-up, higher is better')
        for name, v in re.findall(
            r'^(masked B x C x C|python loop)\s+([0-9.]+)x', out, re.M)
    ]


def parse_map(out: str, _json) -> List[Ratio]:
    rows = re.findall(
        r'^(.*?)\s+([0-9.]+) ms\s+[0-9.]+ ms\s+x\s*([0-9.]+) vs mmlkd', out,
        re.M)
    if not rows:
        return []
    # The first row is mmlkd's average_precision itself (x1.00); its time
    # has an absolute target, printed by the benchmark.
    ours, ms, _ = rows[0]
    target = re.search(r'target: mmlkd <= ([0-9.]+) ms', out)
    found = [
        Ratio('mAP evaluator', f'{ours.strip()} time (ms, not a ratio)',
              float(ms),
              f'goal <= {target.group(1)} ms' if target else 'absolute time')
    ]
    for name, _, v in rows[1:]:
        reading = ('full metric / AP alone' if name.startswith('mmlkd') else
                   'peer time / ours, higher is better')
        found.append(
            Ratio('mAP evaluator', f'{name.strip()} / '
                  f'{ours.strip()}', float(v), reading))
    return found


def parse_overhead(out: str, rows: Optional[list]) -> List[Ratio]:
    ratios = []
    for r in rows or []:
        if 'distill_img_s' in r:
            ratios.append(
                Ratio(
                    'distill overhead',
                    f'{r["method"]}: distill / (teacher fwd + '
                    f'student step) [{r["distill_img_s"]:.0f} vs student '
                    f'alone {r["student_img_s"]:.0f} img/s, {r["gpu"]}]',
                    r['ratio'], 'goal <= 1.10'))
            continue
        ratios.append(
            Ratio('distill overhead',
                  f'{r["method"]}: distill / (teacher fwd + '
                  'student step)', r['ratio'], 'goal <= 1.10'))
        if 'mem_ratio' in r:
            ratios.append(
                Ratio(
                    'distill memory', f'{r["method"]}: peak distill / peak '
                    'reference', r['mem_ratio'], f'{r["distill_mib"]:.1f} vs '
                    f'{r["reference_mib"]:.1f} MiB'))
    return ratios


def parse_generic(out: str, _json) -> List[Ratio]:
    """Fallback for a benchmark whose output format is not known here."""
    return [
        Ratio('?',
              line.strip()[:60], float(v), 'as printed')
        for line, v in re.findall(r'^(.*?([0-9]+\.[0-9]+)x\b.*)$', out, re.M)
    ]


class Bench(NamedTuple):
    name: str
    script: str
    parse: Callable
    quick: List[str]
    device_flag: bool = False  # accepts --device
    json_flag: bool = False  # accepts --json FILE
    optional: bool = False  # skipped (not failed) when the script is absent


BENCHES = [
    Bench(
        'led',
        'tools/benchmark/bench_led.py',
        parse_led, ['--min-run-time', '0.5'],
        device_flag=True),
    Bench('partial_softmax', 'tools/benchmark/partial_softmax_kd.py',
          parse_partial_softmax, ['--min-run-time', '0.3']),
    Bench(
        'map',
        'tools/benchmark/bench_map.py',
        parse_map, ['--min-run-time', '0.5'],
        device_flag=True,
        optional=True),
    Bench(
        'distill_overhead',
        'tools/benchmark/distill_overhead.py',
        parse_overhead, ['--reps', '5', '--warmup', '1'],
        device_flag=True,
        json_flag=True),
]


def run_one(bench: Bench, extra: List[str], env: Dict[str, str],
            tag: str) -> tuple:
    """Run a benchmark, echo its output live; (returncode, output, json)."""
    json_path = None
    cmd = [sys.executable, bench.script] + extra
    if bench.json_flag:
        fd, json_path = tempfile.mkstemp(suffix='.json')
        os.close(fd)
        cmd += ['--json', json_path]
    print(f'\n[{tag}] $ {" ".join(cmd[1:])}', flush=True)
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        sys.stdout.write(f'[{tag}] {line}')
        sys.stdout.flush()
    proc.wait()
    rows = None
    if json_path:
        try:
            with open(json_path) as f:
                rows = json.load(f) if os.path.getsize(json_path) else None
        finally:
            os.remove(json_path)
    return proc.returncode, ''.join(lines), rows


def summary_table(ratios: List[Ratio], problems: List[str]) -> str:
    lines = [
        '| benchmark | ratio | value | reading |', '| --- | --- | ---: | --- |'
    ]
    lines += [
        f'| {r.benchmark} | {r.what} | {r.value:.3f} | {r.reading} |'
        for r in ratios
    ]
    lines += [f'| {p} | | | |' for p in problems]
    return '\n'.join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--quick',
        action='store_true',
        help='fewer repetitions (a check that all run)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--coco',
        action='store_true',
        help='also the GPU ResNet-101 -> ResNet-18 L2D '
        'throughput run (needs --device cuda)')
    parser.add_argument(
        '--only',
        nargs='+',
        choices=[b.name for b in BENCHES],
        help='run only these benchmarks')
    parser.add_argument(
        '--methods', nargs='+', help='distill_overhead: only these methods')
    parser.add_argument('--out', help='also write the summary (Markdown)')
    args = parser.parse_args(argv)
    if args.coco and not args.device.startswith('cuda'):
        parser.error('--coco needs --device cuda (a GPU)')

    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONUNBUFFERED='1')
    start = time.time()
    ratios: List[Ratio] = []
    problems: List[str] = []
    jobs = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        extra = list(bench.quick) if args.quick else []
        if bench.device_flag and args.device != 'cpu':
            extra += ['--device', args.device]
        if bench.name == 'distill_overhead' and args.methods:
            extra += ['--methods'] + args.methods
        jobs.append((bench, extra, bench.name))
        if bench.name == 'distill_overhead' and args.coco:
            jobs.append((bench, extra + ['--coco'], 'distill_overhead_coco'))

    for bench, extra, tag in jobs:
        if not osp.isfile(osp.join(ROOT, bench.script)):
            msg = f'{tag}: {bench.script} not present'
            if bench.optional:
                print(f'\n[{tag}] skipped: {bench.script} not present')
                problems.append(msg + ' (skipped)')
                continue
            problems.append(msg + ' (FAILED)')
            continue
        code, out, rows = run_one(bench, extra, env, tag)
        found = bench.parse(out, rows)
        if code != 0:
            problems.append(f'{tag}: exit status {code} (FAILED)')
        elif not found:
            found = parse_generic(out, rows)
            note = '; generic parse below' if found else ''
            problems.append(f'{tag}: output format not recognised '
                            f'(FAILED{note})')
        ratios.extend(found)

    table = summary_table(ratios, problems)
    print(f'\n== summary ({"quick, " if args.quick else ""}device '
          f'{args.device}, {(time.time() - start) / 60:.1f} min) ==\n{table}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    return 1 if any('FAILED' in p for p in problems) else 0


if __name__ == '__main__':
    sys.exit(main())
