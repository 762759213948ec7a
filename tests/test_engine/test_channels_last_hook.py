"""ChannelsLastHook puts student and teacher convolutions in NHWC before
training (and, on CUDA, training runs on in that layout)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import HOOKS
from mmengine.runner import Runner

import mmlkd  # noqa: F401  (registers the hook)
from mmlkd.engine import ChannelsLastHook
from mmlkd_testing import ROOT, TINY_DEMO


def _runner(tmp_path, hook):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/demo/mld.py'))
    for kv in TINY_DEMO:
        key, value = kv.split('=', 1)
        cfg.merge_from_dict({key: DictAction._parse_iterable(value)})
    cfg.model.teacher_ckpt = None
    cfg.work_dir = str(tmp_path)
    cfg.custom_hooks = [hook]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=0)
    return Runner.from_cfg(cfg)


def _convs(model):
    return [
        m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)
    ]


def _all_channels_last(model) -> bool:
    # (1 x 1 kernels are contiguous in both layouts.)
    weights = _convs(model)
    return bool(weights) and all(
        w.is_contiguous(memory_format=torch.channels_last)
        for w in weights) and not any(w.is_contiguous()
                                      for w in weights if w.shape[-1] > 1)


def test_student_and_teacher_converted_before_run(tmp_path):
    runner = _runner(tmp_path, dict(type='ChannelsLastHook', cpu=True))
    runner.call_hook('before_run')
    assert _all_channels_last(runner.model.student)
    assert _all_channels_last(runner.model.teacher)


def test_cpu_models_stay_as_they_are_by_default(tmp_path):
    runner = _runner(tmp_path, dict(type='ChannelsLastHook'))
    runner.call_hook('before_run')
    assert all(w.is_contiguous() for w in _convs(runner.model))
    assert not _all_channels_last(runner.model.student)


def test_registered_in_the_root_registry():
    assert HOOKS.get('ChannelsLastHook') is ChannelsLastHook
    assert isinstance(
        HOOKS.build(dict(type='ChannelsLastHook')), ChannelsLastHook)
    with pytest.raises(TypeError):
        ChannelsLastHook(gpu=True)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_distillation_trains_in_channels_last_on_cuda(tmp_path):
    runner = _runner(tmp_path, dict(type='ChannelsLastHook'))
    runner.train()
    assert _all_channels_last(runner.model.student)
    assert _all_channels_last(runner.model.teacher)
    assert all(
        torch.isfinite(p).all() for p in runner.model.student.parameters())
