"""tools/benchmark/quality.py end to end in a tiny setting (one method, one
seed, 48 training images, 1 epoch), its resumability, and its table maths
(several methods and seeds: the planning and table tests below)."""
import glob
import json
import math
import os
import shutil
import sys

import pytest

from mmlkd_testing import ROOT, run_tool

sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))
import paired_stats  # noqa: E402
import quality  # noqa: E402

# Seed 5: not the configs' default 0, so the override is visible.
TINY = [
    '--methods', 'kd', '--seeds', '5', '--epochs', '1', '--num-train', '48'
]


def test_quality_tiny_end_to_end_and_resume(tiny_teacher_ckpt, tmp_path):
    work = tmp_path / 'quality'
    # The conftest teacher is what this run would train (TINY_DEMO: 48
    # images, 1 epoch): placed where the benchmark looks, it is reused.
    (work / 'teacher').mkdir(parents=True)
    teacher = work / 'teacher' / 'epoch_1.pth'
    shutil.copy(tiny_teacher_ckpt, teacher)
    # Scores cached for exactly this checkpoint are reused, not recomputed
    # (and the test saves a tools/test.py run).
    cached = dict(mAP=11.11, CF1=22.22, OF1=33.33)
    (work / 'teacher' / 'scores.json').write_text(
        json.dumps(
            dict(
                checkpoint=str(teacher),
                metrics=cached,
                seconds=1.0,
                mtime=os.path.getmtime(teacher))))

    proc = run_tool(
        ['tools/benchmark/quality.py', '--work-dir',
         str(work)] + TINY,
        timeout=300)
    out = proc.stdout
    assert 'reusing' in out and 'teacher' in out
    assert 'score teacher' not in out
    assert '4 jobs to do' in out
    for run in ('student_alone/seed5', 'kd/seed5'):
        assert f'done train {run}' in out, out[-3000:]
        assert (work / run / 'epoch_1.pth').is_file()
        # The seed reached the run.
        log = (work / 'logs' / (run.replace('/', '_') + '.log')).read_text()
        assert '(stream 0 of run seed 5)' in log  # PairedInitHook's line
        # Scored afterwards, not validated (the config is in the run's own
        # log file, not on the console).
        run_log = glob.glob(str(work / run / '*' / '*.log'))[0]
        assert 'val_cfg = None' in open(run_log).read()

    md = (work / 'results.md').read_text()
    rows = [line for line in md.splitlines() if line.startswith('| ')]
    labels = [r.split('|')[1].strip() for r in rows[1:]]
    assert labels == [
        '---', 'teacher (linear head)', 'student alone (linear head)',
        'vanilla KD'
    ], md
    scores = {}
    for name in ('student_alone', 'kd'):
        with open(work / name / 'seed5' / 'scores.json') as f:
            scores[name] = json.load(f)['metrics']
    assert rows[2].startswith('| teacher (linear head) | 1 | 11.11 | 22.22 '
                              '| 33.33 |')
    kd_row = rows[-1].split('|')
    assert float(kd_row[3]) == round(scores['kd']['mAP'], 2)
    gain = scores['kd']['mAP'] - scores['student_alone']['mAP']
    # One seed, one pair: a gain but no interval, and the table says so.
    assert kd_row[6].strip() == f'{gain:+.2f} (1 pair: no interval)'
    assert kd_row[7].strip() == 'n/a'
    png = (work / 'quality.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10_000
    assert 'Wall time' in md

    # Everything is cached now: nothing is trained or scored again.
    proc = run_tool(
        ['tools/benchmark/quality.py', '--work-dir',
         str(work)] + TINY,
        timeout=120)
    assert '0 jobs to do' in proc.stdout, proc.stdout[-2000:]
    assert (work / 'results.md').read_text().split('Settings')[0] == \
        md.split('Settings')[0]


def test_plan_pairs_methods_with_their_teacher_and_baseline():
    args = quality.parse_args([
        '--methods', 'l2d', 'kd', '--seeds', '3', '4', '--work-dir',
        'work_dirs/q'
    ])
    runs = {r.key: r for r in quality.plan_runs(args)}
    assert set(runs) == {
        'teacher', 'teacher_mldecoder', 'student_alone/seed3',
        'student_alone/seed4', 'student_mldecoder/seed3',
        'student_mldecoder/seed4', 'l2d/seed3', 'l2d/seed4', 'kd/seed3',
        'kd/seed4'
    }
    assert runs['l2d/seed4'].teacher == 'teacher_mldecoder'
    assert runs['kd/seed3'].teacher == 'teacher'
    assert runs['kd/seed3'].seed == 3
    assert runs['teacher'].seed == quality.TEACHER_SEED


def test_schedule_override_shortens_the_cosine_schedule():
    opts = quality.schedule_overrides('configs/demo/student_alone.py', 3)
    assert 'train_cfg.max_epochs=3' in opts
    # demo_adam_cosine.py: [LinearLR warm-up (iterations), cosine to 12].
    assert 'param_scheduler.1.end=3' in opts
    assert not any(o.startswith('param_scheduler.0') for o in opts)
    assert quality.schedule_overrides('configs/demo/student_alone.py',
                                      None) == []


def test_seed_defaults_and_quick_mode():
    assert quality.parse_args([]).seeds == [0, 1, 2, 3, 4]
    assert quality.parse_args(['--quick']).seeds == [0, 1, 2]
    assert quality.parse_args(['--seeds', '7', '3']).seeds == [7, 3]
    with pytest.raises(SystemExit):  # one or the other
        quality.parse_args(['--quick', '--seeds', '0'])
    with pytest.raises(SystemExit):
        quality.parse_args(['--seeds', '1', '1'])


def test_paired_gain_hand_worked():
    # Gains 1, 2, 3: mean 2, sample std 1, t(0.975, 2) = 4.303 (t-table),
    # half-width 4.303 / sqrt(3) = 2.484: interval [-0.484, 4.484] holds 0.
    g = paired_stats.paired_gain([1.0, 2.0, 3.0])
    assert g.n == 3 and g.mean == 2.0 and g.std == 1.0
    assert g.half_width == pytest.approx(2.484, abs=5e-4)
    assert g.low == pytest.approx(-0.484, abs=5e-4)
    assert g.high == pytest.approx(4.484, abs=5e-4)
    assert g.significant is False
    # Gains 2, 3, 4: same spread, interval [-0.484 + 1, ...] excludes 0.
    g = paired_stats.paired_gain([2.0, 3.0, 4.0])
    assert g.low == pytest.approx(0.516, abs=5e-4) and g.significant is True
    # A loss is significant too when its interval lies below 0.
    assert paired_stats.paired_gain([-2.0, -3.0, -4.0]).significant is True
    # Five pairs, df 4: t = 2.776; gains 0, 1, 2, 3, 4 -> mean 2,
    # std sqrt(2.5) = 1.5811, half-width 2.776 * 1.5811 / sqrt(5) = 1.963.
    g = paired_stats.paired_gain([0.0, 1.0, 2.0, 3.0, 4.0])
    assert g.half_width == pytest.approx(1.963, abs=5e-4)
    assert g.significant is True


def test_paired_gain_one_pair_has_no_interval_and_bad_input_fails():
    g = paired_stats.paired_gain([1.5])
    assert (g.n, g.mean, g.std, g.half_width) == (1, 1.5, None, None)
    assert g.low is None and g.significant is None
    with pytest.raises(ValueError, match='no paired differences'):
        paired_stats.paired_gain([])
    with pytest.raises(ValueError, match='non-finite'):
        paired_stats.paired_gain([1.0, float('nan')])


def test_paired_differences_pairs_by_seed():
    method = {0: 41.0, 2: 45.0, 3: 50.0}
    baseline = {2: 42.0, 0: 40.0, 1: 39.0}
    # Seeds 0 and 2 only (1 and 3 have no partner), in seed order.
    assert paired_stats.paired_differences(method, baseline) == [1.0, 3.0]


def test_t_quantiles_match_the_t_distribution():
    assert paired_stats.t_quantile_975(2) == 4.303
    assert paired_stats.t_quantile_975(4) == 2.776
    # Between tabulated rows the lower df (wider interval) is used.
    assert paired_stats.t_quantile_975(45) == paired_stats.t_quantile_975(40)
    assert paired_stats.t_quantile_975(500) == paired_stats.t_quantile_975(120)
    for bad in (0, -1, 2.0):
        with pytest.raises(ValueError, match='degrees of freedom'):
            paired_stats.t_quantile_975(bad)
    # The table against an independent computation (scipy comes with the
    # test requirements' scikit-learn; it is not a runtime dependency).
    stats = pytest.importorskip('scipy.stats')
    for df in list(range(1, 31)) + [40, 60, 120]:
        assert paired_stats.t_quantile_975(df) == pytest.approx(
            stats.t.ppf(0.975, df), abs=6e-4), df
    # Above 30 the table never narrows the interval (up to its rounding).
    for df in range(31, 200):
        assert paired_stats.t_quantile_975(df) >= stats.t.ppf(0.975,
                                                              df) - 5e-4, df


def _row(md: str, label: str):
    row = [r for r in md.splitlines() if r.startswith(f'| {label} |')][0]
    return [c.strip() for c in row.split('|')[1:-1]]


def test_results_table_mean_std_and_paired_gain():
    table = {
        'student_alone': {
            0: dict(mAP=40.0, CF1=30.0, OF1=35.0),
            1: dict(mAP=42.0, CF1=32.0, OF1=37.0),
            2: dict(mAP=44.0, CF1=34.0, OF1=39.0)
        },
        # Gains 1, 2, 3 (hand-worked case above): not significant.
        'kd': {
            0: dict(mAP=41.0, CF1=31.0, OF1=36.0),
            1: dict(mAP=44.0, CF1=33.0, OF1=38.0),
            2: dict(mAP=47.0, CF1=35.0, OF1=40.0)
        },
        # Gains 2, 3, 4: significant.
        'pkt': {
            0: dict(mAP=42.0, CF1=31.0, OF1=36.0),
            1: dict(mAP=45.0, CF1=33.0, OF1=38.0),
            2: dict(mAP=48.0, CF1=35.0, OF1=40.0)
        },
        # Seed 2 missing: two pairs, gains 5 and 7; df 1, t = 12.706,
        # half-width 12.706 * 1.4142 / sqrt(2) = 12.706.
        'fitnet': {
            0: dict(mAP=45.0, CF1=31.0, OF1=36.0),
            1: dict(mAP=49.0, CF1=33.0, OF1=38.0)
        },
    }
    args = quality.parse_args(
        ['--methods', 'kd', 'pkt', 'fitnet', '--seeds', '0', '1', '2'])
    order = ['teacher', 'student_alone', 'kd', 'pkt', 'fitnet']
    md = quality.results_markdown(table, order, args, 60.0, 120.0, [])
    header = [r for r in md.splitlines() if r.startswith('| model')][0]
    assert [c.strip() for c in header.split('|')[1:-1]] == [
        'model', 'seeds', 'mAP (mean ± std)', 'CF1', 'OF1',
        'paired gain (mean ± std [95 % CI])', 'significant'
    ]
    # kd mAP: mean 44, sample std of (41, 44, 47) = 3.
    assert _row(md, 'vanilla KD') == [
        'vanilla KD', '3', '44.00 ± 3.00', '33.00 ± 2.00', '38.00 ± 2.00',
        '+2.00 ± 1.00 [-0.48, +4.48]', 'no'
    ]
    assert _row(md, 'PKT')[5:] == ['+3.00 ± 1.00 [+0.52, +5.48]', 'yes']
    half = 12.706 * math.sqrt(2) / math.sqrt(2)
    assert _row(md, 'FitNet')[1] == '2'
    assert _row(md, 'FitNet')[5:] == [
        f'+6.00 ± 1.41 [{6 - half:+.2f}, {6 + half:+.2f}]', 'no'
    ]
    assert _row(md, 'student alone (linear head)')[5:] == ['', '']
    assert 't(0.975, n-1)' in md

    # The same figures as data (results.json).
    data = quality.results_json(table, order)
    assert list(data) == ['student_alone', 'kd', 'pkt', 'fitnet']
    assert data['kd']['config'] == 'configs/kd/demo_kd.py'
    assert data['kd']['baseline'] == 'student_alone'
    assert data['kd']['mAP'] == dict(mean=44.0, std=3.0)
    assert data['kd']['seeds']['1'] == dict(mAP=44.0, CF1=33.0, OF1=38.0)
    assert data['pkt']['gain'] == pytest.approx(
        dict(
            n=3,
            mean=3.0,
            std=1.0,
            low=3 - 4.303 / math.sqrt(3),
            high=3 + 4.303 / math.sqrt(3),
            significant=True))
    assert data['kd']['gain']['significant'] is False
    assert 'gain' not in data['student_alone']


def test_bar_chart_marks_significant_gains(tmp_path, monkeypatch):
    table = {
        'student_alone': {
            s: dict(mAP=40.0 + s)
            for s in range(3)
        },
        'kd': {
            s: dict(mAP=41.0 + 2 * s)
            for s in range(3)
        },  # 1, 2, 3
        'pkt': {
            s: dict(mAP=42.0 + 2 * s)
            for s in range(3)
        },  # 2, 3, 4
    }
    texts = []
    import matplotlib.axes
    real = matplotlib.axes.Axes.text

    def spy(self, x, y, s, *a, **k):
        texts.append(s)
        return real(self, x, y, s, *a, **k)

    monkeypatch.setattr(matplotlib.axes.Axes, 'text', spy)
    path = tmp_path / 'q.png'
    quality.bar_chart(table, ['student_alone', 'kd', 'pkt'], str(path))
    assert path.read_bytes()[:4] == b'\x89PNG'
    assert texts == ['41.0', '43.0\n+2.0', '44.0\n+3.0*']
