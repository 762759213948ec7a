"""The L2D-recipe ResNets start from torchvision's ImageNet weights, as the
L2D reference does, through the configs' own mmengine path.

Offline: torchvision's networks are built with random weights (and random
BatchNorm statistics), saved, and served for the configs' ``torchvision://``
names by replacing mmengine's loader for that scheme only. The model is
built from the config and initialised by ``init_weights()``, i.e. by the
``Pretrained`` initializer the config declares.
"""
import logging
import os

import pytest
import torch
import torchvision
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import CheckpointLoader, get_torchvision_models

import mmlkd  # noqa: F401

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MLDECODER = os.path.join(ROOT, 'configs/_base_/models/resnet_mldecoder.py')
LINEAR = os.path.join(ROOT, 'configs/_base_/models/resnet_multilabel.py')

# config variable -> (torchvision builder, the file mmengine's name maps to)
CASES = {
    'r18_mldecoder': ('resnet18', 'resnet18-f37072fd.pth'),
    'r34_mldecoder': ('resnet34', 'resnet34-b627a593.pth'),
    'r50_mldecoder': ('resnet50', 'resnet50-0676ba61.pth'),
    'r101_mldecoder': ('resnet101', 'resnet101-63fe2227.pth'),
    'wrn50_mldecoder': ('wide_resnet50_2', 'wide_resnet50_2-95faca4d.pth'),
    'wrn101_mldecoder': ('wide_resnet101_2', 'wide_resnet101_2-32ee1156.pth'),
}


def _randomised_torchvision(name):
    torch.manual_seed(0)
    net = getattr(torchvision.models, name)(weights=None)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    return net.eval()


class _Capture(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _init_from(model, served, monkeypatch):
    """``model.init_weights()`` with ``torchvision://`` names served from
    local files (``served``: name -> path); returns the names asked for and
    mmengine's log messages."""
    asked = []

    def load_local(filename, map_location=None):
        name = filename[len('torchvision://'):]
        asked.append(name)
        return torch.load(served[name], map_location='cpu')

    monkeypatch.setitem(CheckpointLoader._schemes, 'torchvision://',
                        load_local)
    capture = _Capture()
    logger = MMLogger.get_current_instance()
    logger.addHandler(capture)
    try:
        model.init_weights()
    finally:
        logger.removeHandler(capture)
    return asked, capture.messages


def _build(model_cfg):
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model_cfg)


def test_names_resolve_to_torchvision_files():
    """mmengine maps each name to torchvision's file (no network needed):
    the Wide ResNets are the reference's files; the ResNets the same weights
    re-saved by torchvision under new hashes (pytorch/vision#2068)."""
    urls = get_torchvision_models()
    for name, file in CASES.values():
        assert urls[name] == f'https://download.pytorch.org/models/{file}'


@pytest.mark.parametrize('variable', list(CASES))
def test_mldecoder_backbone_loads_torchvision(variable, tmp_path, monkeypatch):
    tv_name, _ = CASES[variable]
    cfg = Config.fromfile(MLDECODER)[variable]
    init = cfg.backbone.init_cfg
    assert init == dict(
        type='Pretrained', checkpoint=f'torchvision://{tv_name}')
    assert 'prefix' not in init  # torchvision's keys have no `backbone.`

    net = _randomised_torchvision(tv_name)
    path = tmp_path / f'{tv_name}.pth'
    torch.save(net.state_dict(), path)
    source = torch.load(path)

    model = _build(cfg)
    asked, messages = _init_from(model, {tv_name: path}, monkeypatch)
    assert asked == [tv_name]

    # Every backbone parameter and buffer comes from the file.
    backbone = model.backbone.state_dict()
    assert set(backbone) <= set(source)
    for key, value in backbone.items():
        assert torch.equal(value, source[key]), key
    # Only torchvision's classifier is left over, as mmengine reports it.
    assert set(source) - set(backbone) == {'fc.weight', 'fc.bias'}
    report = [m for m in messages if 'do not match exactly' in m]
    assert len(report) == 1
    assert 'unexpected key in source state_dict: fc.weight, fc.bias' \
        in report[0]
    assert 'missing keys' not in report[0]

    # The backbone computes torchvision's features before its avgpool.
    model.eval()
    features = torch.nn.Sequential(*list(net.children())[:-2])
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        (ours, ) = model.backbone(x)
        ref = features(x)
    assert ours.shape == ref.shape == (2, model.head.in_channels, 2, 2)
    err = (ours - ref).abs().max().item()
    assert err <= 1e-5 * max(1.0, ref.abs().max().item()), err


def test_linear_head_bases_use_torchvision_too(tmp_path, monkeypatch):
    """The linear-head bases (KD, CAM-KD, ... on the L2D recipe) name the
    same files; ResNet-18's is loaded through the same path."""
    cfg = Config.fromfile(LINEAR)
    for depth in (18, 34, 50, 101):
        init = cfg[f'resnet{depth}_ml'].backbone.init_cfg
        assert init == dict(
            type='Pretrained', checkpoint=f'torchvision://resnet{depth}')
    net = _randomised_torchvision('resnet18')
    path = tmp_path / 'resnet18.pth'
    torch.save(net.state_dict(), path)
    model = _build(cfg.resnet18_ml)
    _init_from(model, {'resnet18': path}, monkeypatch)
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, net.state_dict()[key]), key


def test_mmpretrain_weights_stay_an_option(tmp_path):
    """MMPRETRAIN_WEIGHTS (keys under `backbone.`) loads with its prefix."""
    cfg = Config.fromfile(MLDECODER)
    init = cfg.MMPRETRAIN_WEIGHTS['resnet18']
    assert init.prefix == 'backbone'
    assert init.checkpoint.startswith('https://download.openmmlab.com/')
    donor = _build(cfg.r18_mldecoder)
    torch.nn.init.normal_(donor.backbone.conv1.weight)
    path = tmp_path / 'mmpretrain_r18.pth'
    torch.save({'state_dict': donor.state_dict()}, path)
    model_cfg = cfg.r18_mldecoder
    model_cfg.backbone.init_cfg = dict(init, checkpoint=str(path))
    model = _build(model_cfg)
    model.init_weights()
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, donor.backbone.state_dict()[key]), key
