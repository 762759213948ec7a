"""The benchmark tools work (not how fast anything is): distill_overhead's
reference is the same student and teacher, its memory probe sees
allocations, --coco refuses a CPU; run_all reads every benchmark's ratios
and fails loudly on a broken one."""
import json
import os
import sys

import pytest
import torch

from mmlkd_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))
import distill_overhead  # noqa: E402
import run_all  # noqa: E402


def test_reference_models_compute_what_the_algorithm_does():
    cfg = distill_overhead.load_cfg('configs/fitnet/demo_fitnet.py', 8)
    algorithm, _, teacher, student, _ = distill_overhead.build_pair(
        cfg, 'cpu', None)
    data = distill_overhead.demo_batch(cfg, 8)
    batch = student.data_preprocessor(data, False)
    algorithm.eval()
    student.eval()
    teacher.eval()
    with torch.no_grad():
        torch.testing.assert_close(
            student(batch['inputs'], mode='tensor'),
            algorithm.student(batch['inputs'], mode='tensor'))
        torch.testing.assert_close(
            teacher(batch['inputs'], mode='tensor'),
            algorithm.teacher(batch['inputs'], mode='tensor'))
    assert not any(p.requires_grad for p in teacher.parameters())
    # The reference student carries no recorder hooks.
    assert all(not m._forward_hooks for m in student.modules())


def test_overhead_rows_for_two_methods(tmp_path):
    out = tmp_path / 'rows.json'
    rows = distill_overhead.main([
        '--methods', 'kd', 'stkd', '--batch', '8', '--reps', '1', '--warmup',
        '0', '--json',
        str(out)
    ])
    assert [r['method'] for r in rows] == ['kd', 'stkd']
    for r in rows:
        assert r['ratio'] == pytest.approx(r['distill_ms'] /
                                           (r['teacher_ms'] + r['student_ms']))
        assert r['distill_mib'] > 0 and r['reference_mib'] > 0
    assert json.loads(out.read_text()) == rows


def test_peak_memory_sees_a_known_allocation():

    def fn():
        a = torch.ones(4, 2**18)  # 4 MiB
        b = torch.ones(2, 2**18)  # 2 MiB, both alive
        del a, b

    peak = distill_overhead.peak_memory(fn, 'cpu') / 2**20
    assert 6.0 <= peak < 7.0


@pytest.mark.skipif(torch.cuda.is_available(), reason='has a GPU')
def test_coco_mode_refuses_without_a_gpu():
    with pytest.raises(SystemExit, match='needs a CUDA GPU'):
        distill_overhead.main(['--coco'])
    with pytest.raises(SystemExit, match='no CUDA GPU'):
        distill_overhead.main(['--device', 'cuda'])


# Output as the benchmarks print it (format strings copied from each).
LED_OUT = """[uniform] loop    fwd+bwd:    999.68 ms  value 46.902451
[uniform] LEDLoss fwd+bwd:     27.18 ms  value 46.902473
[uniform] speed-up: 36.8x
[coco] speed-up: 24.1x
"""
PSKD_OUT = """batched O(BC)    1.00x  (1.599 ms)
masked B x C x C 12.97x
python loop      50.97x
"""
MAP_OUT = (
    f'{"mmlkd average_precision":58s} {12.3:9.1f} ms {11.0:9.1f} ms  '
    f'x{1.0:6.2f} vs mmlkd   max |AP - sklearn| = 1.0e-07\n'
    f'{"scikit-learn per-class loop":58s} {200.5:9.1f} ms {190.0:9.1f} ms  '
    f'x{16.3:6.2f} vs mmlkd   max |AP - sklearn| = 0.0e+00\n'
    'ratios are peer time / mmlkd time (median); target: mmlkd '
    '<= 120 ms on 2 cores\n')


def test_parsers_read_each_benchmark():
    assert [(r.what, r.value) for r in run_all.parse_led(LED_OUT, None)] == [
        ('per-set Python loop / batched LEDLoss (fwd+bwd, uniform labels)',
         36.8),
        ('per-set Python loop / batched LEDLoss (fwd+bwd, coco labels)', 24.1)
    ]
    assert [(r.what, r.value)
            for r in run_all.parse_partial_softmax(PSKD_OUT, None)
            ] == [('masked B x C x C / batched O(BC)', 12.97),
                  ('python loop / batched O(BC)', 50.97)]
    got = run_all.parse_map(MAP_OUT, None)
    assert [(r.what, r.value, r.reading) for r in got
            ] == [('mmlkd average_precision time (ms, not a ratio)', 12.3,
                   'goal <= 120 ms'),
                  ('scikit-learn per-class loop / mmlkd average_precision',
                   16.3, 'peer time / ours, higher is better')]
    rows = [
        dict(
            method='kd',
            ratio=1.04,
            distill_mib=20.0,
            reference_mib=18.0,
            mem_ratio=20 / 18)
    ]
    got = run_all.parse_overhead('', rows)
    assert [r.value for r in got] == [1.04, pytest.approx(20 / 18)]


def test_run_all_collects_ratios_and_fails_on_a_broken_benchmark(
        tmp_path, monkeypatch, capsys):
    good = tmp_path / 'good.py'
    good.write_text('print("speed-up: 3.5x")\n')
    silent = tmp_path / 'silent.py'
    silent.write_text('print("nothing to see")\n')
    broken = tmp_path / 'broken.py'
    broken.write_text('raise SystemExit(3)\n')
    benches = [
        run_all.Bench('good', str(good), run_all.parse_led, []),
        run_all.Bench(
            'absent',
            str(tmp_path / 'nope.py'),
            run_all.parse_led, [],
            optional=True),
    ]
    monkeypatch.setattr(run_all, 'BENCHES', benches)
    out = tmp_path / 'summary.md'
    assert run_all.main(['--out', str(out)]) == 0
    summary = out.read_text()
    assert '| LEDLoss | per-set Python loop / batched LEDLoss (fwd+bwd) | ' \
        '3.500 | speed-up, goal >= 20 |' in summary
    assert 'nope.py not present (skipped)' in summary

    monkeypatch.setattr(
        run_all, 'BENCHES', benches + [
            run_all.Bench('silent', str(silent), run_all.parse_led, []),
            run_all.Bench('broken', str(broken), run_all.parse_led, []),
        ])
    assert run_all.main([]) == 1
    text = capsys.readouterr().out
    assert 'silent: output format not recognised (FAILED' in text
    assert 'broken: exit status 3 (FAILED)' in text


def test_coco_like_targets_have_coco_statistics():
    import bench_led
    g = torch.Generator().manual_seed(0)
    y = bench_led.coco_like_targets(20000, 80, g)
    freq = y.mean(0)
    assert float(y.sum(1).mean()) == pytest.approx(2.9, abs=0.1)
    assert float(freq[0]) == pytest.approx(0.55, abs=0.02)
    assert bool((y.sum(1) > 0).all())  # no image without a label
    tail = freq[1:].sort(descending=True).values
    assert 0.09 < float(tail[0]) < 0.14 and float(tail[-1]) < 0.006


def test_bench_led_reports_both_statistics(capsys):
    import bench_led
    rows = bench_led.main([
        '--batch', '12', '--classes', '8', '--dims', '4', '--min-run-time',
        '0.01'
    ])
    assert [r['stats'] for r in rows] == ['uniform', 'coco']
    for r in rows:
        assert r['rel_value_diff'] < 1e-5 and r['loop_ms'] > 0
    assert len(run_all.parse_led(capsys.readouterr().out, None)) == 2


def test_bench_pipeline_rows_and_workers(tmp_path):
    import bench_pipeline
    out = tmp_path / 'pipe.json'
    result = bench_pipeline.main([
        '--images', '3', '--size', '96', '72', '--backends', 'cv2', 'pillow',
        '--loader-epochs', '0', '--gpu-images-per-s', '1000', '--json',
        str(out)
    ])
    # The L2D recipe decodes with PIL (LoadImagePIL), as the reference.
    assert [(r['pipeline'], r['backend'], r['stored'])
            for r in result['rows']] == [('coco', 'cv2', 'original'),
                                         ('coco', 'cv2', '224x224'),
                                         ('coco', 'pillow', 'original'),
                                         ('coco', 'pillow', '224x224'),
                                         ('l2d', 'pillow', 'original'),
                                         ('l2d', 'pillow', '224x224')]
    assert all(r['images_per_s'] > 0 for r in result['rows'])
    assert 'workers for 1000 images/s' in result['markdown']
    assert json.loads(out.read_text())['rows'] == result['rows']
    assert bench_pipeline.workers_needed(1000, 300) == 4
    assert bench_pipeline.workers_needed(10, 300) == 1


def test_gpu_check_cpu_parts_and_report(tmp_path, capsys):
    """Without CUDA: says so, runs the CPU parts (here the throughput code
    path at toy sizes and the pipeline benchmark) and exits 0."""
    import gpu_check
    out = tmp_path / 'report.md'
    args = ['--skip-tests', '--images', '2', '--out', str(out)]
    if not torch.cuda.is_available():
        args += ['--cpu-smoke', '--methods', 'kd']
    assert gpu_check.main(args) == 0
    report = out.read_text()
    printed = capsys.readouterr().out
    assert report.strip() in printed
    assert '| vanilla KD |' in report and '## Input pipeline' in report
    assert '| coco | cv2 | 224x224 |' in report
    if not torch.cuda.is_available():
        assert 'no CUDA device' in printed and 'CPU smoke run' in report


def test_gpu_check_reports_a_failed_method():
    import gpu_check
    rows = [
        dict(method='kd', config='c.py', error='RuntimeError()'),
        dict(
            method='clkd',
            teacher_img_s=900.0,
            student_img_s=1500.0,
            distill_img_s=500.0,
            ratio=1.05,
            distill_mib=9000.0,
            reference_mib=8000.0,
            amp='float16',
            gpu='GPU X')
    ]
    md = gpu_check.throughput_markdown(rows, 64, 224)
    assert '| vanilla KD | failed: RuntimeError() |' in md
    assert '| CLKD | 900 | 1500 | 500 | 1.050 | 9000 | 8000 |' in md


def test_cpu_steps_are_timed_by_cpu_time():
    import time
    assert distill_overhead.step_clock('cpu', 'cpu') is time.process_time
    assert distill_overhead.step_clock('cpu', 'wall') is time.perf_counter
    assert distill_overhead.step_clock('cuda', 'cpu') is time.perf_counter
    # A step that only waits costs no CPU time.
    t = distill_overhead.time_steps(
        dict(wait=lambda b: time.sleep(0.05)), {},
        reps=2,
        warmup=0,
        device='cpu')
    assert t['wait'] < 0.02
