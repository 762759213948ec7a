"""LossGradNormHook: each loss term and the norm of its gradient on the
student reach vis_data/scalars.json, match a separate backward of the term,
and leave training unchanged."""
import json
import math
import os

import pytest
import torch
from mmengine.hooks import Hook
from paired_runs import assert_same_state, tiny_config, train

import mmlkd.engine.hooks.loss_grad_norm_hook  # noqa: F401  (registers it)
from mmlkd.engine.hooks.loss_grad_norm_hook import LossGradNormHook, term_name
from mmlkd.engine.hooks.paired_init_hook import get_student
from mmlkd_testing import ROOT

MLD = 'configs/demo/mld.py'


class ManualNormHook(Hook):
    """At the first iteration, before the training step: the MLD term and
    its gradient norm on the student from a backward of that term alone."""

    # Before LossGradNormHook attaches to the model, so that it measures the
    # training step, not this forward.
    priority = 'HIGH'

    def __init__(self) -> None:
        self.value = self.norm = None

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if batch_idx != 0:
            return
        model = runner.model
        student = list(get_student(model).parameters())
        data = model.data_preprocessor(data_batch, True)
        term = model(**data, mode='loss')['distill.loss_mld']
        term.backward()
        self.value = float(term)
        self.norm = math.sqrt(
            sum(
                float(p.grad.double().pow(2).sum()) for p in student
                if p.grad is not None))
        model.zero_grad(set_to_none=True)


def _scalars(work_dir):
    files = list(work_dir.glob('*/vis_data/scalars.json'))
    assert len(files) == 1, files
    with open(files[0]) as f:
        return [json.loads(line) for line in f]


def _with_hook(cfg, **kwargs):
    cfg.custom_hooks.append(dict(type='LossGradNormHook', **kwargs))
    return cfg


def test_term_names_avoid_the_averaged_word():
    assert term_name('distill.loss_mld') == 'distill.mld'
    assert term_name('student.loss') == 'student'
    assert term_name('loss') == 'student'
    assert term_name('distill.loss_led') == 'distill.led'
    with pytest.raises(ValueError, match='interval'):
        LossGradNormHook(interval=0)


def test_terms_and_gradient_norms_reach_scalars_json(tiny_teacher_ckpt,
                                                     tmp_path):
    manual = ManualNormHook()
    cfg = _with_hook(
        tiny_config(MLD, str(tmp_path), teacher_ckpt=tiny_teacher_ckpt))
    train(cfg, extra_hooks=[manual])
    lines = [line for line in _scalars(tmp_path) if 'loss' in line]
    assert [line['step'] for line in lines] == [1, 2, 3]  # interval 1
    for line in lines:
        for key in ('term/distill.mld', 'gnorm/distill.mld', 'term/student',
                    'gnorm/student'):
            assert math.isfinite(line[key]), (key, line)
        assert line['gnorm/student'] > 0 and line['gnorm/distill.mld'] > 0
    first = lines[0]
    assert first['term/distill.mld'] == pytest.approx(manual.value, rel=1e-6)
    assert first['gnorm/distill.mld'] == pytest.approx(manual.norm, rel=1e-5)


def test_measures_only_every_interval_and_changes_nothing(
        tiny_teacher_ckpt, tmp_path):
    plain = train(
        tiny_config(
            MLD, str(tmp_path / 'plain'), teacher_ckpt=tiny_teacher_ckpt))
    cfg = _with_hook(
        tiny_config(
            MLD, str(tmp_path / 'hooked'), teacher_ckpt=tiny_teacher_ckpt),
        interval=2)
    hooked = train(cfg)
    assert_same_state(plain.final, hooked.final, 'final student')
    lines = [line for line in _scalars(tmp_path / 'hooked') if 'loss' in line]
    measured = [line['step'] for line in lines if 'gnorm/distill.mld' in line]
    assert measured == [2]  # 3 iterations an epoch, logged every one


def test_student_alone_logs_its_task_term(tmp_path):
    cfg = _with_hook(
        tiny_config('configs/demo/student_alone.py', str(tmp_path)))
    record = train(cfg)
    assert record.final is not None
    lines = [line for line in _scalars(tmp_path) if 'loss' in line]
    assert all(line['gnorm/student'] > 0 for line in lines)
    assert not any(k.startswith('gnorm/distill') for k in lines[0])


def test_norm_of_a_term_that_misses_the_student_is_zero():
    from mmlkd.engine.hooks.loss_grad_norm_hook import grad_norm
    w = torch.nn.Parameter(torch.ones(3))
    other = torch.nn.Parameter(torch.ones(2))
    assert grad_norm((other * 2).sum(), [w]) == 0.0
    assert grad_norm((w * 2).sum(), [w]) == pytest.approx(math.sqrt(12))
    assert w.grad is None  # measuring writes no .grad


def test_train_tool_flag_adds_the_hook_and_aligns_the_logger():
    import importlib.util

    from mmengine.config import Config
    spec = importlib.util.spec_from_file_location(
        'mmlkd_train_tool', os.path.join(ROOT, 'tools', 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    config = os.path.join(ROOT, 'configs', 'demo', 'mld.py')

    cfg = Config.fromfile(config)
    train.apply_train_args(cfg,
                           train.parse_args([config, '--log-grad-norms', '5']))
    assert cfg.custom_hooks[-1] == dict(type='LossGradNormHook', interval=5)
    assert cfg.default_hooks.logger.interval == 5

    cfg = Config.fromfile(config)
    logger_interval = cfg.default_hooks.logger.interval
    train.apply_train_args(cfg, train.parse_args([config, '--log-grad-norms']))
    assert cfg.custom_hooks[-1] == dict(type='LossGradNormHook', interval=None)
    assert cfg.default_hooks.logger.interval == logger_interval

    cfg = Config.fromfile(config)
    assert 'custom_hooks' not in cfg or not any(h['type'] == 'LossGradNormHook'
                                                for h in cfg.custom_hooks)
    with pytest.raises(ValueError, match='--log-grad-norms'):
        train.apply_train_args(
            cfg, train.parse_args([config, '--log-grad-norms', '-1']))
