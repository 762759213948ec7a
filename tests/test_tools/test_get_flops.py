"""tools/analysis_tools/get_flops.py on the demo configs."""
import importlib.util
import os.path as osp

import pytest

import mmlkd  # noqa: F401  (compat fixes before mmrazor)
from mmlkd_testing import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location(
        'get_flops', osp.join(ROOT, 'tools', 'analysis_tools', 'get_flops.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _demo_models():
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', 'mld.py'))
    return (MODELS.build(cfg.model.teacher),
            MODELS.build(cfg.model.architecture))


def _first_conv_flops(model, h, w):
    # One multiply-add per weight per output position (stride 1, padding 1).
    conv = model.backbone.conv1
    return conv.weight.numel() * h * w


def test_teacher_and_student_of_distill_config(capsys):
    results = _tool().main(
        [osp.join(ROOT, 'configs', 'demo', 'mld.py'), '--shape', '32'])
    assert set(results) == {'teacher', 'student'}
    teacher, student = _demo_models()
    for role, model in (('teacher', teacher), ('student', student)):
        assert results[role]['params'] == sum(p.numel()
                                              for p in model.parameters())
        # The first conv alone is a lower bound; the whole ResNet-18 is
        # far more (17 more convs and the classifier).
        assert results[role]['flops'] > 10 * _first_conv_flops(model, 32, 32)
    # The demo student is the teacher at half width: about 1/4 of the
    # compute (the stem and the classifier scale differently).
    ratio = results['student']['flops'] / results['teacher']['flops']
    assert 1 / 5 < ratio < 1 / 3
    # FLOPs grow with the number of positions: 64 x 64 is 4 x 32 x 32.
    bigger = _tool().main(
        [osp.join(ROOT, 'configs', 'demo', 'mld.py'), '--shape', '64', '64'])
    assert bigger['teacher']['flops'] == pytest.approx(
        4 * results['teacher']['flops'], rel=0.01)
    out = capsys.readouterr().out
    assert 'Input shape: (3, 32, 32)' in out and 'student / teacher' in out


def test_plain_config(capsys):
    results = _tool().main([
        osp.join(ROOT, 'configs', 'demo', 'student_alone.py'), '--shape', '32',
        '32'
    ])
    _, student = _demo_models()
    assert list(results) == ['model']
    assert results['model']['params'] == sum(p.numel()
                                             for p in student.parameters())
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ['model', 'params', 'FLOPs'] in lines
