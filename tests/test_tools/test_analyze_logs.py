"""tools/analysis_tools/analyze_logs.py on the log of a demo training run."""
import glob
import importlib.util
import json
import os.path as osp

import matplotlib.image as mpimg
import numpy as np
import pytest

from mmlkd_testing import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location(
        'analyze_logs',
        osp.join(ROOT, 'tools', 'analysis_tools', 'analyze_logs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo_log(tiny_teacher_ckpt):
    logs = glob.glob(
        osp.join(osp.dirname(tiny_teacher_ckpt), '*', 'vis_data', '2*.json'))
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        records = [json.loads(line) for line in f]
    return logs[0], records


def test_plot_curve_draws_loss_and_map(demo_log, tmp_path):
    path, records = demo_log
    out = str(tmp_path / 'curves.png')
    drawn = _tool().main(
        ['plot_curve', path, path, '--legend', 'a', 'b', '--out', out])
    # Defaults: the training loss and the validation mAP, read from the log.
    assert list(drawn) == ['loss', 'multi-label/mAP']
    losses = [r['loss'] for r in records if 'loss' in r]
    maps = [r['multi-label/mAP'] for r in records if 'multi-label/mAP' in r]
    assert len(losses) == 3 and len(maps) == 1  # 48 images / 16, one epoch
    for y in drawn['loss']:  # one curve per log
        np.testing.assert_allclose(y, losses)
    np.testing.assert_allclose(drawn['multi-label/mAP'][0], maps)
    picture = mpimg.imread(out)
    # Two stacked panels of 2.6 inches at 110 dpi.
    assert picture.shape[0] == 2 * 286
    assert picture[..., :3].std() > 0.05


def test_plot_curve_takes_mmpretrains_flags(demo_log, tmp_path):
    # mmpretrain 1.2.0's plot_curve: --style and --window-size "W*H"
    path, _ = demo_log
    out = str(tmp_path / 'curves.png')
    _tool().main([
        'plot_curve', path, '--keys', 'loss', '--style', 'whitegrid',
        '--window-size', '8*3', '--title', 'T', '--out', out
    ])
    assert mpimg.imread(out).shape[:2] == (330, 880)  # 110 dpi
    with pytest.raises(SystemExit):
        _tool().main(['plot_curve', path, '--window-size', '8x3'])


def test_plot_curve_keys_and_unknown_key(demo_log, tmp_path):
    path, _ = demo_log
    out = tmp_path / 'lr.png'
    drawn = _tool().main([
        'plot_curve', path, '--keys', 'lr', 'multi-label/CF1', '--out',
        str(out)
    ])
    assert list(drawn) == ['lr', 'multi-label/CF1'] and out.is_file()
    with pytest.raises(KeyError, match="'distill.loss_mld' is in none"):
        _tool().main([
            'plot_curve', path, '--keys', 'distill.loss_mld', '--out',
            str(tmp_path / 'x.png')
        ])


def test_cal_train_time(demo_log, capsys):
    path, records = demo_log
    times = [r['time'] for r in records if 'lr' in r]
    summary, = _tool().main(['cal_train_time', path])
    assert summary['avg_iter_time'] == pytest.approx(np.mean(times[1:]))
    assert summary['slowest_epoch'] == summary['fastest_epoch'] == 1
    assert 'average iter time' in capsys.readouterr().out
    summary, = _tool().main(['cal_train_time', path, '--include-outliers'])
    assert summary['avg_iter_time'] == pytest.approx(np.mean(times))


def test_default_keys_of_a_distillation_log():
    # The scalars SingleTeacherDistill and its val loop log (one record each).
    log = dict(
        train=[
            dict(
                lr=1e-3,
                loss=2.0,
                **{
                    'student.loss': 1.0,
                    'distill.loss_mld': 1.0
                },
                time=0.1,
                epoch=1,
                iter=1,
                step=1)
        ],
        val=[{
            'multi-label/mAP': 50.0,
            'multi-label/CF1': 40.0,
            'teacher.multi-label/mAP': 60.0,
            'step': 1
        }])
    assert _tool().default_keys([log]) == [
        'loss', 'student.loss', 'distill.loss_mld', 'multi-label/mAP',
        'teacher.multi-label/mAP'
    ]
    x, y, xlabel = _tool().curve(log, 'teacher.multi-label/mAP')
    assert x.tolist() == [1] and y.tolist() == [60.0] and xlabel == 'epoch'
