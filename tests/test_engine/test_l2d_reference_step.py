"""The L2D recipe's optimiser trajectory is the reference's, step by step.

The reference (github.com/penghui-yang/L2D: main.py, learner.py,
L2D/tools/add_weight_decay.py, L2D/criterion/) minimises the SUM
``BCE_sum + 10 MLD + 1 LED`` with ``torch.optim.Adam`` over
``add_weight_decay`` groups (lr 1e-4, coupled L2 1e-4 on weights, eps 1e-8)
and ``torch.optim.lr_scheduler.OneCycleLR(max_lr=1e-4, pct_start=0.2,
epochs, steps_per_epoch)`` with its defaults, which also cycle Adam's
beta1, stepped every iteration.

mmlkd's loss is that sum / 64 (mmpretrain's BCE with ``avg_factor`` = the
batch of 64, distillation weights / 64), so its optimiser takes decay and
eps / 64 (configs/_base_/schedules/adam_onecycle_80e.py). Here both loops
run side by side in float64 on one stand-in model and identical data:
mmlkd's from the real configs (optimiser wrapper by mmengine's
``build_optim_wrapper``, schedulers by ``PARAM_SCHEDULERS`` as the Runner
builds them and stepped by ``ParamSchedulerHook``, the losses built from the
config), the reference transcribed below. The schedule is shortened
(3 epochs of 10 iterations); every other setting is the config's.
"""
import copy
import math
from types import SimpleNamespace
from typing import Dict, List

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import ParamSchedulerHook
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS, DefaultScope

import mmlkd  # noqa: F401  (registers OneCycleMomentum, MLD and LED)
from mmlkd_testing import ROOT

L2D_COCO = f'{ROOT}/configs/l2d/r101_to_r18_coco.py'
TEACHER_COCO = f'{ROOT}/configs/teachers/r101_mldecoder_coco.py'
B, C, D = 64, 8, 6  # the recipe's global batch; classes, embedding width
EPOCHS, ITERS_PER_EPOCH = 8, 10
# 48 of the 80 scheduled steps: the warm-up (16 steps) and half the anneal.
STEPS = 48
PEAK = int(0.2 * EPOCHS * ITERS_PER_EPOCH) - 1  # torch's end of phase one
# Relative to how far each parameter has moved from its initial value.
TOL = 1e-10

# --- the reference, transcribed ---------------------------------------------


def add_weight_decay(model: nn.Module, weight_decay: float = 1e-4):
    """L2D/tools/add_weight_decay.py: no decay on 1-D and `.bias`; frozen
    parameters skipped."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if len(param.shape) == 1 or name.endswith('.bias'):
            no_decay.append(param)
        else:
            decay.append(param)
    return [
        dict(params=no_decay, weight_decay=0.),
        dict(params=decay, weight_decay=weight_decay)
    ]


def ref_bce(x, y, eps=1e-8):
    """criterion/loss/bce.py, reduction='sum'."""
    p = torch.sigmoid(x)
    loss = y * torch.log(p.clamp(min=eps)) + (1 - y) * torch.log(
        (1.0 - p).clamp(min=eps))
    return -loss.sum()


def ref_mld(s, t, eps=1e-8):
    """criterion/distiller_zoo/logits_based/mld.py, reduction='batchmean'."""
    s = torch.sigmoid(s).clamp(eps, 1 - eps)
    t = torch.sigmoid(t).clamp(eps, 1 - eps)
    kl = F.kl_div(
        torch.log(s), t, reduction='none') + F.kl_div(
            torch.log(1 - s), 1 - t, reduction='none')
    return kl.sum() / s.shape[0]


def _phi(e, eps=1e-12):
    sq = e.pow(2).sum(dim=1)
    d = (sq.unsqueeze(1) + sq.unsqueeze(0) -
         2 * e @ e.t()).clamp(min=eps).sqrt().clone()
    d[range(len(e)), range(len(e))] = 0
    return d


def _huber_dist(s, t):
    """criterion/distiller_zoo/le_based/huber_dist.py."""
    with torch.no_grad():
        t_d = _phi(t)
        t_d = t_d / t_d[t_d > 0].mean()
    d = _phi(s)
    d = d / d[d > 0].mean()
    return F.smooth_l1_loss(d, t_d, reduction='sum') / s.shape[0]


def ref_led(es, et, y, lambda_cd=100.0, lambda_id=1000.0):
    """criterion/distiller_zoo/le_based/{led,cd,id}.py: loops over the
    classes (CD) and the images (ID) with more than one positive."""
    pos = y > 0.5
    cd = sum(
        _huber_dist(es[pos[:, c], c], et[pos[:, c], c])
        for c in range(y.shape[1]) if pos[:, c].sum() > 1)
    idl = sum(
        _huber_dist(es[i, pos[i]], et[i, pos[i]]) for i in range(y.shape[0])
        if pos[i].sum() > 1)
    return lambda_cd * cd + lambda_id * idl


# --- a stand-in model with every kind of parameter name ----------------------


class Mixer(nn.Module):
    """Parameters named as nn.MultiheadAttention's: ``in_proj_bias`` is 1-D
    but does not end with ``.bias`` (mmengine's bias rule misses it)."""

    def __init__(self):
        super().__init__()
        self.in_proj_weight = nn.Parameter(torch.randn(D, D) / D**0.5)
        self.in_proj_bias = nn.Parameter(torch.zeros(D))

    def forward(self, x):
        return torch.tanh(x @ self.in_proj_weight.t() + self.in_proj_bias)


class StandIn(nn.Module):
    """Conv, BatchNorm, Linear, LayerNorm, free 1-D and 2-D parameters,
    ``in_proj_bias``, a frozen layer; returns logits ``B x C`` and label-wise
    embeddings ``B x C x D``. Every trainable parameter has a gradient that
    is not zero by symmetry (a bias before BatchNorm, or attention's key
    bias, would get rounding noise only, which Adam blows up to +-lr)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.frozen = nn.Conv2d(4, 4, 1)
        self.frozen.requires_grad_(False)
        self.proj = nn.Linear(4, D)
        self.query = nn.Parameter(torch.randn(C, D))
        self.query_scale = nn.Parameter(torch.ones(D))
        self.mixer = Mixer()
        self.ln = nn.LayerNorm(D)
        self.fc_weight = nn.Parameter(torch.randn(C, D) / D**0.5)
        self.fc_bias = nn.Parameter(torch.zeros(C))

    def forward(self, x):
        f = self.frozen(self.bn(F.relu(self.conv(x))))
        tokens = self.proj(f.flatten(2).transpose(1, 2))  # B x HW x D
        q = self.query * self.query_scale  # C x D
        attn = torch.softmax(q @ tokens.transpose(1, 2), dim=-1)
        emb = self.ln(self.mixer(attn @ tokens) + q)  # B x C x D
        return (emb * self.fc_weight).sum(-1) + self.fc_bias, emb


class Algorithm(nn.Module):
    """What the optimiser sees in a distillation run: student
    (``architecture``) and frozen teacher, as mmrazor's SingleTeacherDistill
    holds them."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.architecture = StandIn().double()
        self.teacher = StandIn().double().eval()
        self.teacher.requires_grad_(False)


def _batch(step: int):
    g = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(B, 3, 5, 5, generator=g, dtype=torch.float64)
    y = (torch.rand(B, C, generator=g) < 0.4).double()
    return x, y


# --- the two loops -----------------------------------------------------------


def _shorten(cfg: Config) -> None:
    """3 epochs of the same schedule: every scheduler ends with training."""
    cfg.train_cfg.max_epochs = EPOCHS
    for s in cfg.param_scheduler:
        s['end'] = EPOCHS


def _mmlkd_losses(cfg: Config):
    """The student's BCE and the distillation losses, built from `cfg`."""
    from mmpretrain.models.heads import MultiLabelClsHead
    from mmpretrain.structures import DataSample
    from mmrazor.registry import MODELS
    model = cfg.model
    head = MultiLabelClsHead(loss=model.get('architecture', model).head.loss)
    distill = {
        name: MODELS.build(loss)
        for name, loss in (
            model.get('distiller') or {}).get('distill_losses', {}).items()
    }

    def total(logits_s, emb_s, logits_t, emb_t, y):
        samples = [
            DataSample().set_gt_label(row.nonzero().flatten()) for row in y
        ]
        # MultiLabelClsHead's own loss: avg_factor = the batch, so the sum
        # over the B x C cells / B. mmpretrain computes it in float32 (its
        # `label.float()` makes torch's BCE return float32), so the float64
        # run differentiates the same reduction in float64, checked against
        # the head's value at every step.
        weight = head.loss_module.loss_weight
        bce = weight * F.binary_cross_entropy_with_logits(
            logits_s, y, reduction='sum') / logits_s.shape[0]
        head_value = head._get_loss(logits_s.detach(), samples)['loss']
        assert head_value.item() == pytest.approx(bce.item(), rel=1e-6)
        loss = bce
        if 'loss_mld' in distill:
            loss = loss + distill['loss_mld'](logits_s, logits_t)
        if 'loss_led' in distill:
            loss = loss + distill['loss_led'](emb_s, emb_t, y)
        assert set(distill) <= {'loss_mld', 'loss_led'}
        return loss

    return total


def run_mmlkd(cfg: Config) -> Dict[str, List]:
    algo = Algorithm()
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        wrapper = build_optim_wrapper(algo, copy.deepcopy(cfg.optim_wrapper))
        # Runner._build_param_scheduler, with len(train_dataloader).
        schedulers = [
            PARAM_SCHEDULERS.build(
                copy.deepcopy(s),
                default_args=dict(
                    optimizer=wrapper, epoch_length=ITERS_PER_EPOCH))
            for s in cfg.param_scheduler
        ]
    hook = ParamSchedulerHook()
    runner = SimpleNamespace(param_schedulers=schedulers)
    loss_fn = _mmlkd_losses(cfg)
    student = algo.architecture
    student.train()
    out = dict(params=[], lr=[], beta1=[])
    for step in range(STEPS):
        groups = wrapper.optimizer.param_groups
        out['lr'].append(sorted({g['lr'] for g in groups}))
        out['beta1'].append(sorted({g['betas'][0] for g in groups}))
        x, y = _batch(step)
        with torch.no_grad():
            logits_t, emb_t = algo.teacher(x)
        logits_s, emb_s = student(x)
        wrapper.update_params(loss_fn(logits_s, emb_s, logits_t, emb_t, y))
        hook.after_train_iter(runner, step)
        out['params'].append(
            [p.detach().clone() for p in student.parameters()])
    out['init'] = [
        p.detach().clone() for p in Algorithm().architecture.parameters()
    ]
    return out


def run_reference(distill: bool) -> Dict[str, List]:
    algo = Algorithm()
    student, teacher = algo.architecture, algo.teacher
    opt = torch.optim.Adam(
        add_weight_decay(student, 1e-4), lr=1e-4, weight_decay=0)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=1e-4,
        steps_per_epoch=ITERS_PER_EPOCH,
        epochs=EPOCHS,
        pct_start=0.2)
    student.train()
    out = dict(params=[], lr=[], beta1=[])
    for step in range(STEPS):
        out['lr'].append(sorted({g['lr'] for g in opt.param_groups}))
        out['beta1'].append(sorted({g['betas'][0] for g in opt.param_groups}))
        x, y = _batch(step)
        with torch.no_grad():
            logits_t, emb_t = teacher(x)
        logits_s, emb_s = student(x)
        loss = ref_bce(logits_s, y)
        if distill:  # BaseDistiller: lambda_le 1 (LED), lambda_logits 10
            loss = loss + 10.0 * ref_mld(logits_s, logits_t) + ref_led(
                emb_s, emb_t, y)
        student.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        out['params'].append(
            [p.detach().clone() for p in student.parameters()])
    return out


def max_rel_diff(a: Dict, ref: Dict) -> List[float]:
    """Per step: max over parameters of |a - ref| / max|ref - initial|."""
    diffs = []
    for pa, pr in zip(a['params'], ref['params']):
        worst = 0.0
        for x, r, r0 in zip(pa, pr, a['init']):
            moved = (r - r0).abs().max().item()
            if moved == 0:  # frozen: must not move on either side
                assert (x - r0).abs().max().item() == 0
                continue
            worst = max(worst, (x - r).abs().max().item() / moved)
        diffs.append(worst)
    return diffs


def _config(path: str) -> Config:
    cfg = Config.fromfile(path)
    _shorten(cfg)
    return cfg


@pytest.fixture(scope='module')
def references():
    return {
        True: run_reference(distill=True),
        False: run_reference(distill=False)
    }


CONFIGS = {'l2d': (L2D_COCO, True), 'teacher': (TEACHER_COCO, False)}


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_trajectory_equals_the_reference_at_every_step(name, references):
    path, distill = CONFIGS[name]
    ours, ref = run_mmlkd(_config(path)), references[distill]
    for step in range(STEPS):
        # One lr and one beta1 for all groups, those of torch's OneCycleLR.
        assert len(ours['lr'][step]) == len(ours['beta1'][step]) == 1
        assert ours['lr'][step] == pytest.approx(ref['lr'][step], rel=1e-14)
        assert ours['beta1'][step] == pytest.approx(
            ref['beta1'][step], rel=1e-14)
    # beta1 is cycled: 0.95 -> 0.85 at the peak (step 15 of 80) -> back up.
    assert ref['beta1'][0] == [0.95] and ref['beta1'][PEAK] == [0.85]
    assert 0.85 < ref['beta1'][STEPS - 1][0] < 0.95
    diffs = max_rel_diff(ours, ref)
    assert max(diffs) < TOL, diffs


# Today's recipe before the change (decay 1e-4, eps 1e-8, fixed beta1) and
# each of its three differences alone: every one leaves the reference's
# trajectory by far more than TOL.
BROKEN = {
    'decay 1e-4':
    dict(weight_decay=1e-4),
    'eps 1e-8':
    dict(eps=1e-8),
    'beta1 not cycled':
    dict(cycle=False),
    'decay 1e-4, eps 1e-8, beta1 fixed 0.9 (before)':
    dict(weight_decay=1e-4, eps=1e-8, cycle=False),
}


@pytest.mark.parametrize('name', sorted(BROKEN))
def test_the_previous_settings_leave_the_reference(name, references):
    change = dict(BROKEN[name])
    cfg = _config(L2D_COCO)
    cycle = change.pop('cycle', True)
    cfg.optim_wrapper.optimizer.update(change)
    if not cycle:
        cfg.param_scheduler = [
            s for s in cfg.param_scheduler if s['type'] != 'OneCycleMomentum'
        ]
    diffs = max_rel_diff(run_mmlkd(cfg), references[True])
    assert max(diffs) > 1e3 * TOL, diffs


def test_real_student_groups_are_add_weight_decay():
    """The config's paramwise rules on the real ResNet-18 + ML-Decoder
    student decay exactly the parameters add_weight_decay decays."""
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(L2D_COCO)
    student = MODELS.build(cfg.model.architecture)
    wrapper = build_optim_wrapper(student, copy.deepcopy(cfg.optim_wrapper))
    wd = cfg.optim_wrapper.optimizer.weight_decay
    ours = {
        id(p): g['weight_decay']
        for g in wrapper.optimizer.param_groups
        for p in g['params']
    }
    theirs = {
        id(p): 0.0 if g['weight_decay'] == 0 else wd
        for g in add_weight_decay(student)
        for p in g['params']
    }
    assert ours == theirs
    assert wd == 1e-4 / 64 and cfg.optim_wrapper.optimizer.eps == 1e-8 / 64


def test_iterations_per_epoch_come_from_the_loader():
    """convert_to_iter_based multiplies by len(train_dataloader): 1282 for
    COCO 2014's 82,081 training images at 64 per step with drop_last."""
    from mmengine.dataset import DefaultSampler
    from torch.utils.data import DataLoader

    class Sized(torch.utils.data.Dataset):

        def __len__(self):
            return 82081

        def __getitem__(self, i):
            return i

    for drop_last, per_epoch in ((True, 1282), (False, 1283)):
        loader = DataLoader(
            Sized(),
            batch_size=64,
            drop_last=drop_last,
            sampler=DefaultSampler(Sized(), shuffle=False))
        assert len(loader) == per_epoch
        cfg = Config.fromfile(L2D_COCO)
        wrapper = build_optim_wrapper(nn.Linear(2, 2), cfg.optim_wrapper)
        for s in cfg.param_scheduler:
            built = PARAM_SCHEDULERS.build(
                copy.deepcopy(s),
                default_args=dict(optimizer=wrapper, epoch_length=len(loader)))
            assert (built.total_steps, built.end) == (80 * per_epoch, ) * 2
            assert not built.by_epoch


@pytest.mark.parametrize('three_phase', [False, True])
@pytest.mark.parametrize('anneal', ['cos', 'linear'])
def test_one_cycle_momentum_is_torchs_curve(three_phase, anneal):
    """Every value of an 80-step cycle, lr and beta1, as torch's."""
    ref_p, our_p = (nn.Parameter(torch.zeros(1)) for _ in range(2))
    ref_opt = torch.optim.Adam([ref_p], lr=1e-4)
    our_opt = torch.optim.Adam([our_p], lr=1e-4)
    ref = torch.optim.lr_scheduler.OneCycleLR(
        ref_opt,
        max_lr=1e-4,
        total_steps=80,
        pct_start=0.2,
        anneal_strategy=anneal,
        three_phase=three_phase)
    kw = dict(
        pct_start=0.2,
        anneal_strategy=anneal,
        three_phase=three_phase,
        by_epoch=False,
        begin=0,
        end=80)
    ours = [
        PARAM_SCHEDULERS.build(
            dict(type='OneCycleLR', eta_max=1e-4, **kw),
            default_args=dict(optimizer=our_opt)),
        PARAM_SCHEDULERS.build(
            dict(type='OneCycleMomentum', **kw),
            default_args=dict(optimizer=our_opt)),
    ]
    for step in range(80):
        r, o = ref_opt.param_groups[0], our_opt.param_groups[0]
        assert o['lr'] == pytest.approx(r['lr'], rel=1e-14, abs=0)
        assert o['betas'][0] == pytest.approx(r['betas'][0], rel=1e-14)
        assert o['betas'][1] == r['betas'][1] == 0.999
        if (step, anneal, three_phase) == (40, 'cos', False):
            assert math.isclose(r['betas'][0], 0.8831555, rel_tol=1e-7)
        ref_opt.step()
        our_opt.step()
        ref.step()
        for s in ours:
            s.step()


def test_one_cycle_momentum_state_round_trip():
    """A resumed scheduler continues the same curve."""

    def build(opt):
        return PARAM_SCHEDULERS.build(
            dict(
                type='OneCycleMomentum',
                pct_start=0.2,
                by_epoch=False,
                begin=0,
                end=20),
            default_args=dict(optimizer=opt))

    opt = torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=1e-4)
    sched = build(opt)
    for _ in range(7):
        opt.step()
        sched.step()
    state, opt_state = sched.state_dict(), opt.state_dict()
    expected = []
    for _ in range(5):
        opt.step()
        sched.step()
        expected.append(opt.param_groups[0]['betas'][0])
    opt2 = torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=1e-4)
    sched2 = build(opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(state)
    got = []
    for _ in range(5):
        opt2.step()
        sched2.step()
        got.append(opt2.param_groups[0]['betas'][0])
    assert got == expected
