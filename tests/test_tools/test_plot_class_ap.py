"""tools/analysis_tools/plot_class_ap.py on tools/test.py --out dumps."""
import importlib.util
import os.path as osp
import pickle
import re

import matplotlib.image as mpimg
import numpy as np
import pytest

from mmlkd_testing import ROOT, TINY_DEMO, run_tool


def _tool():
    spec = importlib.util.spec_from_file_location(
        'plot_class_ap',
        osp.join(ROOT, 'tools', 'analysis_tools', 'plot_class_ap.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def dumps(tiny_teacher_ckpt, tmp_path_factory):
    """The teacher's real dump, and a 'student' that ranks class 0 upside
    down and is otherwise the teacher."""
    tmp_path = tmp_path_factory.mktemp('class_ap')
    teacher = tmp_path / 'teacher.pkl'
    proc = run_tool(['tools/test.py', 'configs/demo/teacher.py',
                     tiny_teacher_ckpt, '--work-dir', str(tmp_path),
                     '--out', str(teacher), '--cfg-options'] + TINY_DEMO)
    logged = float(re.findall(r'multi-label/mAP: ([0-9.]+)',
                              proc.stdout + proc.stderr)[-1])
    with open(teacher, 'rb') as f:
        samples = pickle.load(f)
    for s in samples:
        s['pred_score'] = s['pred_score'].clone()
        s['pred_score'][0] = 1 - s['pred_score'][0]
    student = tmp_path / 'student.pkl'
    with open(student, 'wb') as f:
        pickle.dump(samples, f)
    return str(teacher), str(student), logged


def test_chart_and_per_class_ap(dumps, tmp_path):
    teacher, student, logged_map = dumps
    out = str(tmp_path / 'class_ap.png')
    result = _tool().main([teacher, student, '--config',
                           osp.join(ROOT, 'configs', 'demo', 'teacher.py'),
                           '--sort', 'gap', '--out', out])
    ap_t, ap_s = result['teacher'], result['student']
    assert ap_t.shape == (16, )
    # The teacher's per-class APs average to the mAP tools/test.py logged.
    assert np.nanmean(ap_t) == pytest.approx(logged_map, abs=1e-3)
    assert result['mAP'][0] == pytest.approx(logged_map, abs=1e-3)
    # Only class 0 was changed in the student's dump.
    np.testing.assert_allclose(ap_s[1:], ap_t[1:])
    assert ap_s[0] != pytest.approx(ap_t[0])
    assert result['classes'][0] == 'red_circle'
    # Sorted by gap: class 0 comes first when the student lost on it.
    if ap_s[0] < ap_t[0]:
        assert result['order'][0] == 0
    picture = mpimg.imread(out)
    assert picture.shape[1] > picture.shape[0] and picture.std() > 0.05


def test_different_image_lists_are_refused(dumps, tmp_path):
    teacher, student, _ = dumps
    with open(student, 'rb') as f:
        samples = pickle.load(f)
    short = tmp_path / 'short.pkl'
    with open(short, 'wb') as f:
        pickle.dump(samples[:-1], f)
    with pytest.raises(ValueError, match='32 images'):
        _tool().main([teacher, str(short), '--out', str(tmp_path / 'x.png')])
    samples[0], samples[1] = samples[1], samples[0]
    with open(short, 'wb') as f:
        pickle.dump(samples, f)
    with pytest.raises(ValueError, match='same order'):
        _tool().main([teacher, str(short), '--out', str(tmp_path / 'x.png')])
