"""Clear errors before training: teacher checkpoint, class counts."""
import pytest
import torch
from mmengine.config import Config

import mmlkd  # noqa: F401
from mmlkd.utils.config_checks import (ConfigError, check_class_counts,
                                       check_config)
from mmlkd_testing import ROOT


def _mld_cfg() -> Config:
    return Config.fromfile(f'{ROOT}/configs/demo/mld.py')


def test_missing_teacher_ckpt_is_named():
    cfg = _mld_cfg()
    cfg.model.teacher_ckpt = '/nonexistent/teacher.pth'
    with pytest.raises(FileNotFoundError, match='model.teacher_ckpt'):
        check_config(cfg)


def test_class_count_mismatch_is_named():
    cfg = _mld_cfg()
    cfg.model.architecture.head.num_classes = 10
    with pytest.raises(
            ConfigError, match='model.architecture.head.num_classes=10'):
        check_class_counts(cfg)


def test_teacher_ckpt_of_another_shape_is_rejected(tmp_path):
    cfg = _mld_cfg()
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    other = dict(cfg.model.teacher)
    other['head'] = dict(other['head'], num_classes=20)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(other)
    path = tmp_path / 'teacher20.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    cfg.model.teacher_ckpt = str(path)
    with pytest.raises(ConfigError, match=r'head.fc.weight has shape \(20'):
        check_config(cfg)


def test_matching_teacher_ckpt_passes(tiny_teacher_ckpt):
    cfg = _mld_cfg()
    cfg.model.teacher_ckpt = tiny_teacher_ckpt
    check_config(cfg)
