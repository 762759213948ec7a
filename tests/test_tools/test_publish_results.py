"""tools/benchmark/publish_results.py on copies of real method docs and a
synthetic results.json (no training)."""
import json
import os
import shutil
import sys

import pytest
import yaml

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))

import publish_results  # noqa: E402

from mmlkd_testing import run_tool  # noqa: E402

TOOL = 'tools/benchmark/publish_results.py'
HEADER = ('| data | teacher | student | config | mAP | paired gain vs alone '
          '[95 % CI] | teacher mAP | student alone mAP | notes |')


def _row(config, seeds, baseline=None, gain='absent'):
    """A results.json row as quality.results_json() writes it."""
    vals = list(seeds.values())
    mean = sum(vals) / len(vals)
    std = (None if len(vals) < 2 else (sum(
        (v - mean)**2 for v in vals) / (len(vals) - 1))**0.5)
    row = dict(
        label=config,
        config=config,
        seeds={
            s: dict(mAP=v, CF1=0.0, OF1=0.0)
            for s, v in seeds.items()
        },
        mAP=dict(mean=mean, std=std),
        CF1=dict(mean=0.0, std=None),
        OF1=dict(mean=0.0, std=None))
    if gain != 'absent':
        row['baseline'] = baseline
        row['gain'] = gain
    return row


def _results():
    # Means and stds hand-worked: teacher 53.49; student_alone 39.0, 39.5,
    # 40.0 -> 39.50 ± 0.50; kd 40.0, 41.0, 42.0 -> 41.00 ± 1.00.
    return {
        'teacher':
        _row('configs/demo/teacher.py', {'0': 53.49}),
        'student_alone':
        _row('configs/demo/student_alone.py', {
            '0': 39.0,
            '1': 39.5,
            '2': 40.0
        }),
        'kd':
        _row(
            'configs/kd/demo_kd.py', {
                '0': 40.0,
                '1': 41.0,
                '2': 42.0
            }, 'student_alone',
            dict(
                n=3,
                mean=1.5,
                std=0.5,
                low=0.258,
                high=2.742,
                significant=True)),
        'stkd':
        _row(
            'configs/stkd/demo_stkd.py', {
                '0': 39.0,
                '1': 39.2,
                '2': 40.6
            }, 'student_alone',
            dict(
                n=3,
                mean=-0.0667,
                std=0.9,
                low=-2.3,
                high=2.17,
                significant=False)),
        # One seed: one pair, no interval.
        'mld':
        _row(
            'configs/demo/mld.py', {'0': 40.25}, 'student_alone',
            dict(
                n=1,
                mean=1.25,
                std=None,
                low=None,
                high=None,
                significant=False)),
    }


@pytest.fixture
def tree(tmp_path):
    for method in ('kd', 'l2d', 'stkd'):
        shutil.copytree(
            os.path.join(ROOT, 'configs', method),
            tmp_path / 'configs' / method)
    path = tmp_path / 'results.json'
    path.write_text(json.dumps(_results()))
    return tmp_path


def _publish(tree, *extra):
    return publish_results.main(
        ['--root',
         str(tree), '--results',
         str(tree / 'results.json'), *extra])


def _table_rows(readme, config):
    return [
        line for line in readme.read_text().splitlines()
        if line.startswith('| ') and f']({config})' in line
    ]


def test_kd_row_hand_checked(tree):
    assert _publish(tree) == 0
    readme = tree / 'configs' / 'kd' / 'README.md'
    assert HEADER in readme.read_text()
    assert '| ' + ' | '.join(['---'] * 9) + ' |' in readme.read_text()
    (row, ) = _table_rows(readme, 'demo_kd.py')
    assert row == (
        '| DemoShapes | demo R-18 w16 ([config](../demo/teacher.py)) '
        '| demo R-18 w8 ([config](../demo/student_alone.py)) '
        '| [demo_kd.py](demo_kd.py) | 41.00 ± 1.00 (3 seeds) '
        '| +1.50 ± 0.50 [+0.26, +2.74] (significant) | 53.49 (1 seed) '
        '| 39.50 ± 0.50 (3 seeds) |  |')
    (coco, ) = _table_rows(readme, 'r101_to_r18_coco.py')
    assert publish_results.split_row(coco)[4:8] == ['needs GPU run'] * 4
    # Prose is untouched.
    original = open(os.path.join(ROOT, 'configs/kd/README.md')).read()
    assert readme.read_text().split('| data |')[0] == \
        original.split('| data |')[0]


def test_l2d_rows_one_seed_absent_config_and_notes(tree):
    assert _publish(tree) == 0
    readme = tree / 'configs' / 'l2d' / 'README.md'
    original = open(os.path.join(ROOT, 'configs/l2d/README.md')).read()
    # demo/mld.py: linked from l2d's folder as ../demo/mld.py, one seed.
    (mld, ) = _table_rows(readme, '../demo/mld.py')
    cells = publish_results.split_row(mld)
    assert cells[4:8] == [
        '40.25 (1 seed)', '+1.25 (1 pair: no interval)', '53.49 (1 seed)',
        '39.50 ± 0.50 (3 seeds)'
    ]
    assert cells[8] == 'MLD (L2D\'s logit term) on linear heads'
    # demo_l2d.py is not in this run, nor are its ML-Decoder teacher and
    # baseline: their cells keep the figures they had.
    (l2d, ) = _table_rows(readme, 'demo_l2d.py')
    (old, ) = [
        line for line in original.splitlines()
        if '](demo_l2d.py)' in line and line.startswith('| Demo')
    ]
    cells, old_cells = (publish_results.split_row(l2d),
                        publish_results.split_row(old))
    assert cells[4:6] == ['not in this run'] * 2
    assert cells[6:] == old_cells[6:]
    assert cells[:4] == old_cells[:4]
    # A linear-head row not in the run still gets its teacher / baseline.
    (linear, ) = _table_rows(readme, 'demo_l2d_linear.py')
    assert publish_results.split_row(linear)[4:8] == [
        'not in this run', 'not in this run', '53.49 (1 seed)',
        '39.50 ± 0.50 (3 seeds)'
    ]


def test_not_significant_has_no_mark(tree):
    assert _publish(tree) == 0
    (row, ) = _table_rows(tree / 'configs' / 'stkd' / 'README.md',
                          'demo_stkd.py')
    assert publish_results.split_row(row)[5] == '-0.07 ± 0.90 [-2.30, +2.17]'


def test_metafile_values(tree):
    assert _publish(tree) == 0
    path = tree / 'configs' / 'kd' / 'metafile.yml'
    text = path.read_text()
    original = open(os.path.join(ROOT, 'configs/kd/metafile.yml')).read()
    # The header comment is kept.
    assert text.split('Collections:')[0] == original.split('Collections:')[0]
    meta = yaml.safe_load(text)
    (demo, ) = [
        m for m in meta['Models'] if m['Config'] == 'configs/kd/demo_kd.py'
    ]
    assert demo['Results'][0]['Metrics'] == {
        'mAP': 41.0,
        'mAP std': 1.0,
        'paired mAP gain': 1.5,
        'paired mAP gain 95% CI': [0.26, 2.74],
        'seeds': 3
    }
    assert demo['Metadata']['Student']['Metrics'] == {
        'mAP': 39.5,
        'mAP std': 0.5
    }
    assert demo['Metadata']['Teacher']['Metrics'] == {'mAP': 53.49}
    assert 'width 8' in demo['Metadata']['Student']['Name']
    # Key order kept; the COCO record is unchanged.
    assert list(demo) == [
        'Name', 'In Collection', 'Metadata', 'Results', 'Config'
    ]
    assert meta['Models'][1] == yaml.safe_load(original)['Models'][1]


def test_metafile_one_seed_and_absent(tree):
    assert _publish(tree) == 0
    meta = yaml.safe_load((tree / 'configs/l2d/metafile.yml').read_text())
    by_config = {m['Config']: m for m in meta['Models']}
    mld = by_config['configs/demo/mld.py']
    # One seed: no std, no interval.
    assert mld['Results'][0]['Metrics'] == {
        'mAP': 40.25,
        'paired mAP gain': 1.25,
        'seeds': 1
    }
    # Not in this run: no number claimed, as in the README row.
    l2d = by_config['configs/l2d/demo_l2d.py']
    assert 'Results' not in l2d
    assert l2d['Metadata']['Results'] == 'not run yet'


def test_check_exit_codes_and_idempotence(tree, capsys):
    before = {p: p.read_bytes() for p in (tree / 'configs').rglob('*.*')}
    assert _publish(tree, '--check') == 1
    out = capsys.readouterr().out
    for name in ('configs/kd/README.md', 'configs/kd/metafile.yml',
                 'configs/l2d/README.md', 'configs/stkd/README.md'):
        assert f'would change: {name}' in out
    # --check wrote nothing.
    assert {p: p.read_bytes() for p in before} == before
    assert _publish(tree) == 0
    after = {p: p.read_bytes() for p in before}
    assert _publish(tree, '--check') == 0
    # A second run changes nothing.
    assert _publish(tree) == 0
    assert {p: p.read_bytes() for p in before} == after
    assert 'up to date' in capsys.readouterr().out


def test_missing_results_says_make_quality(tmp_path):
    proc = run_tool([
        TOOL, '--root',
        str(tmp_path), '--results',
        str(tmp_path / 'none.json')
    ],
                    check=False)
    assert proc.returncode == 2
    assert str(tmp_path / 'none.json') in proc.stderr
    assert 'make quality' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_unparsable_config_cell_names_readme_and_line(tree, capsys):
    readme = tree / 'configs' / 'kd' / 'README.md'
    lines = readme.read_text().split('\n')
    (no, ) = [
        i for i, line in enumerate(lines) if line.startswith('| DemoShapes')
    ]
    lines[no] = lines[no].replace('[demo_kd.py](demo_kd.py)', 'demo_kd.py')
    readme.write_text('\n'.join(lines))
    assert _publish(tree) == 2
    err = capsys.readouterr().err
    assert f'{readme}:{no + 1}:' in err and 'config cell' in err
