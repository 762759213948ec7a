"""A wrong number, type or argument in a config is an error naming the field,
raised by the config checks before any data is loaded."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmlkd.utils.config_checks import (ConfigError, check_hook_args,
                                       check_numbers)
from mmlkd_testing import ROOT


def _cfg(path='configs/demo/mld.py') -> Config:
    return Config.fromfile(osp.join(ROOT, path))


@pytest.mark.parametrize('config', [
    'configs/demo/teacher.py', 'configs/demo/mld.py',
    'configs/l2d/r101_to_r18_coco.py'
])
def test_shipped_configs_pass(config):
    cfg = _cfg(config)
    check_numbers(cfg)
    check_hook_args(cfg)


@pytest.mark.parametrize('option, value, match', [
    ('train_cfg.max_epochs', 0, r'train_cfg.max_epochs must be a positive '
     r'integer, got 0'),
    ('train_cfg.max_epochs', -3, 'train_cfg.max_epochs'),
    ('train_cfg.max_epochs', 'one', r"got 'one' \(str\)"),
    ('optim_wrapper.optimizer.lr', '1e-4', r'optimizer.lr must be a positive '
     r"number, got '1e-4' \(str\)"),
    ('optim_wrapper.optimizer.weight_decay', -1e-4, 'weight_decay'),
    ('optim_wrapper.optimizer.betas', (0.9, 1.5), 'betas'),
    ('global_batch_size', 0, 'global_batch_size'),
    ('model.distiller.distill_losses.loss_mld.loss_weight', -1.0,
     r'loss_mld.loss_weight must be a non-negative number'),
    ('optim_wrapper.paramwise_cfg.norm_decay_mul', 0.0,
     r"paramwise_cfg.norm_decay_mul: .*did you mean 'norm_decay_mult'"),
])
def test_bad_value_names_the_field(option, value, match):
    cfg = _cfg()
    cfg.merge_from_dict({option: value})
    with pytest.raises(ConfigError, match=match):
        check_numbers(cfg)


def test_hook_argument_typo_is_named_before_training():
    cfg = _cfg()
    cfg.merge_from_dict({'default_hooks.checkpoint.max_keep_ckpt': 1})
    with pytest.raises(
            ConfigError,
            match=r"default_hooks.checkpoint.max_keep_ckpt: "
            r"CheckpointHook has no argument 'max_keep_ckpt'; "
            r"did you mean 'max_keep_ckpts'"):
        check_hook_args(cfg)
    cfg = _cfg()
    cfg.custom_hooks = [dict(type='FiniteLossHook', bogus=1)]
    with pytest.raises(ConfigError, match=r'custom_hooks\[0\].bogus'):
        check_hook_args(cfg)
    cfg.custom_hooks = [dict(type='NoSuchHook')]
    with pytest.raises(ConfigError, match="no hook named 'NoSuchHook'"):
        check_hook_args(cfg)
