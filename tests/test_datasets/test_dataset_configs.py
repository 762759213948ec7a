"""Every _base_ dataset config builds its datasets from generated files in the
official layouts, and VOC's "difficult" policy works end to end."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmpretrain.registry import DATASETS, METRICS, MODELS

import mmlkd  # noqa: F401

CFG_DIR = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')
CONFIGS = {
    'coco_224.py': ('coco_root', 80, 224),
    'coco_448.py': ('coco_root', 80, 448),
    'coco_224_l2d.py': ('coco_root', 80, 224),
    'voc_224.py': ('voc_root', 20, 224),
    'voc_448.py': ('voc_root', 20, 448),
    'voc_224_l2d.py': ('voc_root', 20, 224),
    'nuswide_224.py': ('nus_root', 81, 224),
    'nuswide_224_l2d.py': ('nus_root', 81, 224),
}


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_config_builds_datasets(name, request):
    fixture, num_classes, size = CONFIGS[name]
    root = request.getfixturevalue(fixture)
    cfg = Config.fromfile(osp.join(CFG_DIR, name))
    assert cfg.val_evaluator.type == 'MultiLabelMAP'
    # The L2D-recipe bases: the reference's last partial batch dropped and
    # its OF1 / CF1 reported (OF1_topk_gt, CF1_topk_gt); the others neither.
    l2d = name.endswith('_l2d.py')
    assert cfg.train_dataloader.get('drop_last', False) is l2d
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator.type == 'MultiLabelMAP'
        assert evaluator.get('topk_gt_f1', False) is l2d
    assert cfg.data_preprocessor.num_classes == num_classes
    assert cfg.data_preprocessor.to_onehot
    if name.endswith('_l2d.py'):  # inputs in [0, 1]
        assert cfg.data_preprocessor.mean == [0.0] * 3
        assert cfg.data_preprocessor.std == [255.0] * 3
    if fixture == 'nus_root':  # the generated copy has 3 concepts, not 81
        for loader in (cfg.train_dataloader, cfg.val_dataloader):
            loader.dataset.classes = ['airport', 'animal', 'beach']
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.data_root = str(root)
        ds = DATASETS.build(loader.dataset)
        assert len(ds) > 0
        item = ds[0]
        assert item['inputs'].shape == (3, size, size)
        assert item['data_samples'].gt_label.numel() >= 0
    assert len(MODELS.build(cfg.data_preprocessor).mean.flatten()) == 3


@pytest.mark.parametrize(
    'name, expected',
    [
        ('voc_224.py', [0]),  # bird only on a difficult object: ignored (-1)
        ('voc_224_l2d.py', [0, 2]),  # ... counted as positive
    ])
def test_voc_difficult_policy(name, expected, voc_root):
    cfg = Config.fromfile(osp.join(CFG_DIR, name))
    cfg.val_dataloader.dataset.data_root = str(voc_root)
    ds = DATASETS.build(cfg.val_dataloader.dataset)
    # evaluation: image 000001 has a normal and a difficult aeroplane (stays
    # positive) and only a difficult bird (class 2)
    samples = [ds[i]['data_samples'] for i in range(len(ds))]
    assert samples[0].gt_label_difficult == [0, 2]
    metric = METRICS.build(cfg.val_evaluator)
    for s in samples:
        s.set_pred_score(torch.linspace(0.9, 0.1, 20))
    metric.process(None, [s.to_dict() for s in samples])
    targets = [
        np.flatnonzero(r['target'] == 1).tolist() for r in metric.results
    ]
    assert targets == [expected, [1, 11]]  # 11: dog
    bird = metric.results[0]['target'][2]
    assert bird == (-1 if name == 'voc_224.py' else 1)
    # training: the L2D pipeline merges difficult labels into gt_label
    cfg.train_dataloader.dataset.data_root = str(voc_root)
    cfg.train_dataloader.dataset.split = 'test'  # the image with difficults
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert train[0]['data_samples'].gt_label.tolist() == expected
    # and the whole evaluator runs
    ev = Evaluator(METRICS.build(cfg.val_evaluator))
    ev.dataset_meta = ds.metainfo
    ev.process(samples)
    assert 'multi-label/mAP' in ev.evaluate(len(samples))
