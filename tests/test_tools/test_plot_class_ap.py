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
    proc = run_tool([
        'tools/test.py', 'configs/demo/teacher.py', tiny_teacher_ckpt,
        '--work-dir',
        str(tmp_path), '--out',
        str(teacher), '--cfg-options'
    ] + TINY_DEMO)
    logged = float(
        re.findall(r'multi-label/mAP: ([0-9.]+)',
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
    result = _tool().main([
        teacher, student, '--config',
        osp.join(ROOT, 'configs', 'demo', 'teacher.py'), '--sort', 'gap',
        '--out', out
    ])
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


FIVE = ['cat', 'dog', 'car', 'tree', 'boat']


def _five_class_dumps(tmp_path, n_runs=3):
    """Dumps of ``n_runs`` models on 40 images of a 5-class dataset, each
    run's scores a noisier copy of the truth."""
    import torch
    rng = np.random.default_rng(0)
    gt = [np.flatnonzero(rng.random(5) < 0.4) for _ in range(40)]
    paths = []
    for run in range(n_runs):
        samples = []
        for i, labels in enumerate(gt):
            target = np.zeros(5)
            target[labels] = 1
            score = target + rng.normal(0, 0.3 + 0.4 * run, 5)
            samples.append(
                dict(
                    sample_idx=i,
                    pred_score=torch.tensor(score).float(),
                    gt_label=torch.tensor(labels)))
        path = tmp_path / f'run{run}.pkl'
        with open(path, 'wb') as f:
            pickle.dump(samples, f)
        paths.append(str(path))
    return paths


def test_three_runs_of_a_five_class_config(tmp_path, capsys):
    paths = _five_class_dumps(tmp_path)
    config = tmp_path / 'five.py'
    # CocoMultiLabel's METAINFO has COCO's 80 classes: the config's list wins
    config.write_text(
        "test_dataloader = dict(dataset=dict(type='CocoMultiLabel', "
        f"ann_file='x.json', classes={FIVE!r}))\n")
    out = str(tmp_path / 'ap.png')
    result = _tool().main(paths + [
        '--config',
        str(config), '--labels', 'Teacher', 'Alone', 'KD', '--out', out
    ])
    assert result['classes'] == FIVE
    assert len(result['ap']) == 3 and result['ap'][0].shape == (5, )
    # less noise, better AP: the first run is best
    assert result['mAP'][0] > result['mAP'][2]
    printed = capsys.readouterr().out
    assert 'Alone' in printed and 'boat' in printed
    picture = mpimg.imread(out)
    assert picture[..., :3].std() > 0.05


def test_class_names_from_the_checkpoint_first(tmp_path):
    import torch
    paths = _five_class_dumps(tmp_path, n_runs=1)
    ckpt = tmp_path / 'model.pth'
    stored = [n.upper() for n in FIVE]
    torch.save(
        dict(meta=dict(dataset_meta=dict(classes=stored)), state_dict={}),
        ckpt)
    result = _tool().main(
        paths + ['--checkpoint',
                 str(ckpt), '--out',
                 str(tmp_path / 'ap.png')])
    assert result['classes'] == stored and result['labels'] == ['run0']
    # without names: indices, never COCO's 80
    config = tmp_path / 'unnamed.py'
    config.write_text("test_dataloader = dict(dataset=dict("
                      "type='CocoMultiLabel', ann_file='x.json'))\n")
    result = _tool().main(
        paths + ['--config',
                 str(config), '--out',
                 str(tmp_path / 'ap.png')])
    assert result['classes'] == ['0', '1', '2', '3', '4']
    # a checkpoint naming another number of classes is refused
    torch.save(
        dict(meta=dict(dataset_meta=dict(classes=['a', 'b'])), state_dict={}),
        ckpt)
    with pytest.raises(ValueError, match='names 2 classes'):
        _tool().main(
            paths +
            ['--checkpoint',
             str(ckpt), '--out',
             str(tmp_path / 'ap.png')])
    with pytest.raises(SystemExit):  # one label per run
        _tool().main(paths + ['--labels', 'a', 'b'])
