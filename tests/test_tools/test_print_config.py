"""tools/misc/print_config.py on the demo configs."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config

from mmlkd_testing import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location(
        'print_config', osp.join(ROOT, 'tools', 'misc', 'print_config.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prints_resolved_distill_config_with_overrides(capsys):
    weight = 'model.distiller.distill_losses.loss_mld.loss_weight=0.5'
    _tool().main([
        osp.join(ROOT, 'configs', 'demo', 'mld.py'), '--cfg-options',
        'train_cfg.max_epochs=3', weight
    ])
    out = capsys.readouterr().out
    assert out.startswith('Config:\n')
    # The printed text is a config of its own: parse it back.
    cfg = Config.fromstring(out[len('Config:\n'):], file_format='.py')
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.model.distiller.distill_losses.loss_mld == dict(
        type='MLDLoss', loss_weight=0.5)
    # Bases are merged: the demo teacher, and mmpretrain's runtime (a
    # `mmpretrain::` base of configs/_base_/default_runtime.py).
    assert cfg.model.teacher.backbone.base_channels == 16
    assert cfg.default_hooks.param_scheduler.type == 'ParamSchedulerHook'
    assert cfg.custom_imports.imports == ['mmlkd']


def test_missing_config_is_named():
    with pytest.raises(
            FileNotFoundError, match="no such config 'configs/demo/nope.py'"):
        _tool().main(['configs/demo/nope.py'])
