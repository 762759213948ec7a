"""tools/benchmark/quality.py end to end in a tiny setting (one method, one
seed, 48 training images, 1 epoch), its resumability, and its table maths
(several methods and seeds: the planning and table tests below)."""
import json
import os
import shutil
import sys

from mmlkd_testing import ROOT, run_tool

sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))
import quality  # noqa: E402

# Seed 5: not the configs' default 0, so the override is visible.
TINY = ['--methods', 'kd', '--seeds', '5', '--epochs', '1',
        '--num-train', '48']


def test_quality_tiny_end_to_end_and_resume(tiny_teacher_ckpt, tmp_path):
    work = tmp_path / 'quality'
    # The conftest teacher is what this run would train (TINY_DEMO: 48
    # images, 1 epoch): placed where the benchmark looks, it is reused.
    (work / 'teacher').mkdir(parents=True)
    shutil.copy(tiny_teacher_ckpt, work / 'teacher' / 'epoch_1.pth')

    proc = run_tool(['tools/benchmark/quality.py', '--work-dir', str(work)]
                    + TINY, timeout=300)
    out = proc.stdout
    assert 'reusing' in out and 'teacher' in out
    for run in ('student_alone/seed5', 'kd/seed5'):
        assert f'done train {run}' in out, out[-3000:]
        assert (work / run / 'epoch_1.pth').is_file()
        # The seed reached the run.
        log = (work / 'logs' / (run.replace('/', '_') + '.log')).read_text()
        assert 'randomness = dict(deterministic=False, seed=5)' in log
        assert 'val_cfg = None' in log  # scored afterwards, not validated

    md = (work / 'results.md').read_text()
    rows = [line for line in md.splitlines() if line.startswith('| ')]
    labels = [r.split('|')[1].strip() for r in rows[1:]]
    assert labels == ['---', 'teacher (linear head)',
                      'student alone (linear head)', 'vanilla KD'], md
    scores = {}
    for name in ('student_alone', 'kd'):
        with open(work / name / 'seed5' / 'scores.json') as f:
            scores[name] = json.load(f)['metrics']
    kd_row = rows[-1].split('|')
    assert float(kd_row[3]) == round(scores['kd']['mAP'], 2)
    gain = scores['kd']['mAP'] - scores['student_alone']['mAP']
    assert kd_row[6].strip() == f'{gain:+.2f}'
    png = (work / 'quality.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 10_000
    assert 'Wall time' in md

    # Everything is cached now: nothing is trained or scored again.
    proc = run_tool(['tools/benchmark/quality.py', '--work-dir', str(work)]
                    + TINY, timeout=120)
    assert '0 jobs to do' in proc.stdout, proc.stdout[-2000:]
    assert (work / 'results.md').read_text().split('Settings')[0] == \
        md.split('Settings')[0]


def test_plan_pairs_methods_with_their_teacher_and_baseline():
    args = quality.parse_args(['--methods', 'l2d', 'kd', '--seeds', '3', '4',
                               '--work-dir', 'work_dirs/q'])
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


def test_results_table_mean_std_and_paired_gain():
    table = {
        'student_alone': {0: dict(mAP=40.0, CF1=30.0, OF1=35.0),
                          1: dict(mAP=42.0, CF1=32.0, OF1=37.0)},
        'kd': {0: dict(mAP=41.0, CF1=31.0, OF1=36.0),
               1: dict(mAP=45.0, CF1=33.0, OF1=38.0)},
    }
    args = quality.parse_args(['--methods', 'kd', '--seeds', '0', '1'])
    md = quality.results_markdown(table, ['teacher', 'student_alone', 'kd'],
                                  args, 60.0, 120.0, [])
    kd = [r for r in md.splitlines() if r.startswith('| vanilla KD')][0]
    cells = [c.strip() for c in kd.split('|')[1:-1]]
    # mean 43, sample std of (41, 45) = 2.83; paired gains 1 and 3.
    assert cells == ['vanilla KD', '2', '43.00 ± 2.83', '32.00 ± 1.41',
                     '37.00 ± 1.41', '+2.00 ± 1.41']
    alone = [r for r in md.splitlines() if r.startswith('| student alone')]
    assert alone[0].rstrip().endswith('|  |')
