"""Every config under configs/ parses and builds its model (no data, no
checkpoint, no download needed) and declares the zoo's recipe (global batch,
SyncBN and persistent workers on GPU recipes, the L2D pipeline)."""
import glob
import os

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmlkd  # noqa: F401
from mmlkd.utils.config_checks import check_class_counts, is_distill_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        os.path.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if f'{os.sep}_base_{os.sep}' not in p)


def test_configs_exist():
    assert len(CONFIGS) >= 3


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[os.path.relpath(p, ROOT) for p in CONFIGS])
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


def _is_demo(cfg: Config) -> bool:
    return cfg.train_dataloader.dataset.type == 'DemoShapes'


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[os.path.relpath(p, ROOT) for p in CONFIGS])
def test_config_declares_the_recipe(path):
    """One batch convention: the global batch, split at launch; SyncBN
    everywhere (on the CPU demo tools/train.py runs it as CPUSyncBatchNorm);
    persistent workers on the GPU recipes, in-memory data on the demo."""
    from mmlkd.utils.recipe import resolve_batch
    cfg = Config.fromfile(path)
    assert cfg.global_batch_size == 64
    assert cfg.train_dataloader.get('batch_size') is None, \
        'the per-process batch is derived from global_batch_size'
    for world in (1, 2, 8):
        assert resolve_batch(cfg, world).per_process == 64 // world
    assert cfg.auto_scale_lr.base_batch_size == 64
    assert cfg.sync_bn == 'torch'
    if _is_demo(cfg):
        assert cfg.train_dataloader.num_workers == 0
    else:
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert cfg[key].persistent_workers and cfg[key].num_workers > 0
        # every real-dataset config trains on the L2D recipe
        types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
        assert 'CutoutPIL' in types and 'RandAugmentPIL' in types
        assert cfg.data_preprocessor.std == [255.0] * 3
        # torch's OneCycleLR: the lr and (cycle_momentum) Adam's beta1
        assert [s.type for s in cfg.param_scheduler
                ] == ['OneCycleLR', 'OneCycleMomentum']
        if cfg.train_dataloader.dataset.type == 'VOC':
            assert 'MergeDifficultLabels' in types
        # as the L2D reference: no partial last batch, and its OF1 / CF1
        assert cfg.train_dataloader.drop_last is True
        for key in ('val_evaluator', 'test_evaluator'):
            assert cfg[key].type == 'MultiLabelMAP'
            assert cfg[key].topk_gt_f1 is True, f'{path}: {key}'


@pytest.mark.parametrize(
    'config, n_train, expected',
    [
        # 82,081 COCO train images: 1,282 steps of 64 (the L2D reference's).
        ('configs/l2d/r101_to_r18_coco.py', 82081, {
            1: 1282,
            2: 1282,
            8: 1282
        }),
        ('configs/l2d/r101_to_r18_voc.py', 5011, {
            1: 78,
            2: 78,
            8: 78
        }),
        # 161,789 = 64 x 2,527 + 61: DefaultSampler pads 8 ranks to 161,792,
        # one more full step than a single process (2 processes: 161,790).
        ('configs/l2d/r101_to_r18_nuswide.py', 161789, {
            1: 2527,
            2: 2527,
            8: 2528
        }),
    ])
def test_iterations_per_epoch_with_drop_last(config, n_train, expected):
    from mmlkd.utils.recipe import iters_per_epoch, resolve_batch
    cfg = Config.fromfile(os.path.join(ROOT, config))
    got = {
        w: iters_per_epoch(cfg, resolve_batch(cfg, w), n_train)
        for w in expected
    }
    assert got == expected


def test_no_loss_weight_is_written_per_gpu_count():
    """Weights are written against the global batch, never as 1 / (64 / G)."""
    for path in glob.glob(
            os.path.join(ROOT, 'configs', '**', '*.py'), recursive=True):
        with open(path) as f:
            text = f.read()
        assert '/ G)' not in text and 'per GPU count' not in text, path
