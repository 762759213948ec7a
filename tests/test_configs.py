"""Every config under configs/ parses and builds its model (no data, no
checkpoint, no download needed)."""
import glob
import os

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmlkd  # noqa: F401
from mmlkd.utils.config_checks import check_class_counts, is_distill_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(os.path.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if f'{os.sep}_base_{os.sep}' not in p)


def test_configs_exist():
    assert len(CONFIGS) >= 3


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[os.path.relpath(p, ROOT) for p in CONFIGS])
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert 'mmlkd' in cfg.custom_imports['imports'], \
        'configs must inherit configs/_base_/default_runtime.py'
    model_cfg = cfg.model
    if is_distill_config(cfg):
        check_class_counts(cfg)
        model_cfg.teacher_ckpt = None
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in model_cfg:
        model_cfg.data_preprocessor = cfg.data_preprocessor
    scope = model_cfg.get('_scope_', cfg.get('default_scope', 'mmpretrain'))
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(model_cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    for key in ('train_dataloader', 'val_dataloader', 'val_evaluator'):
        assert key in cfg, f'{path}: missing {key}'
