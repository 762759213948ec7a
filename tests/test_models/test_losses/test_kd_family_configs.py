"""The KD-family configs: mmrazor's losses build from them and work here.

Vanilla KD, FitNet and AT reuse mmrazor's losses, RKD wraps mmrazor's; these
tests build them from the method configs and check them on multi-label-shaped
inputs, and run one distillation step of every demo config of the family.
"""
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401

ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
METHODS = [
    'kd', 'binary_kd', 'clkd', 'stkd', 'partial_softmax', 'fitnet', 'at',
    'rkd', 'pkt'
]


def load(method, name=None):
    name = name or f'demo_{method}.py'
    return Config.fromfile(osp.join(ROOT, 'configs', method, name))


def test_vanilla_kd_is_mmrazor_kldivergence_on_multilabel_logits():
    cfg = load('kd').model.distiller.distill_losses.loss_kd
    loss_fn = MODELS.build(cfg)
    assert type(loss_fn).__name__ == 'KLDivergence'
    torch.manual_seed(0)
    zs = torch.randn(4, 16, requires_grad=True)
    zt = torch.randn(4, 16, requires_grad=True)
    loss = loss_fn(zs, zt)
    # Independent: T^2 / B sum_i KL(softmax(zt_i / T) || softmax(zs_i / T)).
    tau, total = cfg.tau, 0.0
    for i in range(4):
        et = [math.exp(v / tau) for v in zt[i].tolist()]
        es = [math.exp(v / tau) for v in zs[i].tolist()]
        pt = [v / sum(et) for v in et]
        ps = [v / sum(es) for v in es]
        total += sum(a * math.log(a / b) for a, b in zip(pt, ps))
    ref = cfg.loss_weight * tau**2 * total / 4
    assert loss.item() == pytest.approx(ref, rel=1e-5)
    loss.backward()
    assert zt.grad is None and zs.grad.abs().sum() > 0


def test_fitnet_l2loss_and_connector_build_and_match_formula():
    distiller = load('fitnet').model.distiller
    connector = MODELS.build(distiller.connectors.fitnet_s)
    loss_fn = MODELS.build(distiller.distill_losses.loss_fitnet)
    assert type(connector).__name__ == 'ConvModuleConnector'
    assert type(loss_fn).__name__ == 'L2Loss'
    # The demo student's last stage: 64 channels (width 8).
    fs, ft = torch.randn(3, 64, 4, 4), torch.randn(3, 128, 4, 4)
    mapped = connector(fs)
    assert mapped.shape == ft.shape
    s = mapped.flatten(1)
    t = ft.flatten(1)
    # yapf: disable
    ref = ((s / s.norm(dim=1, keepdim=True) -
            t / t.norm(dim=1, keepdim=True))**2).sum() / 3
    # yapf: enable
    # FitNet's weight 10, x0.1 on the demo (its demo_weight_scale).
    assert load('fitnet').demo_weight_scale == 0.1
    assert loss_fn(mapped, ft).item() == pytest.approx(
        10.0 * 0.1 * ref.item(), rel=1e-5)


def test_at_and_rkd_losses_build_and_give_finite_student_grads():
    at = MODELS.build(load('at').model.distiller.distill_losses.loss_at)
    assert type(at).__name__ == 'ATLoss'
    fs = torch.randn(4, 32, 4, 4, requires_grad=True)
    ft = torch.randn(4, 128, 4, 4)
    # AT: squared activations averaged over channels, L2-normalised maps.
    a_s = torch.nn.functional.normalize(fs.detach().pow(2).mean(1).flatten(1))
    a_t = torch.nn.functional.normalize(ft.pow(2).mean(1).flatten(1))
    assert at(fs, ft).item() == pytest.approx(
        1000.0 * (a_s - a_t).pow(2).mean().item(), rel=1e-5)
    losses = load('rkd').model.distiller.distill_losses
    ps = torch.randn(6, 32, requires_grad=True)
    pt = torch.randn(6, 128)
    fn = MODELS.build(losses.loss_rkd)
    assert type(fn).__name__ == 'RKDLoss'
    value = fn(ps, pt)
    grad, = torch.autograd.grad(value, ps)
    assert torch.isfinite(value) and torch.isfinite(grad).all()


def demo_configs():
    out = []
    for method in METHODS:
        folder = osp.join(ROOT, 'configs', method)
        out += [(method, name) for name in sorted(
            n for n in os.listdir(folder)
            if n.startswith('demo_') and n.endswith('.py'))]
    return out


@pytest.mark.parametrize('method,name', demo_configs())
def test_demo_config_runs_one_step(method, name):
    """Builds the algorithm (no checkpoint) and runs a distillation step."""
    cfg = load(method, name)
    cfg.model.teacher_ckpt = None
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    g = torch.Generator().manual_seed(0)
    raw = dict(
        inputs=[
            torch.randint(0, 256, (3, 32, 32), generator=g, dtype=torch.uint8)
            for _ in range(6)
        ],
        data_samples=[
            DataSample().set_gt_label(
                torch.randperm(16, generator=g)[:3].tolist()) for _ in range(6)
        ])
    data = model.data_preprocessor(raw, training=True)
    losses = model(**data, mode='loss')
    distill = [k for k in losses if k.startswith('distill.')]
    assert distill, f'{name}: no distillation loss computed'
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())


def test_every_method_folder_is_complete():
    for method in METHODS:
        folder = osp.join(ROOT, 'configs', method)
        for name in ('r101_to_r18_coco.py', f'demo_{method}.py', 'README.md',
                     'metafile.yml'):
            assert osp.isfile(osp.join(folder, name)), f'{method}/{name}'
