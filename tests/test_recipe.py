"""The global-batch convention and the recipe card (mmlkd.utils.recipe)."""
import pytest
import torch
from mmengine.config import Config

import mmlkd  # noqa: F401
from mmlkd.utils.config_checks import ConfigError
from mmlkd.utils.recipe import apply_recipe, build_recipe_card, resolve_batch
from mmlkd_testing import ROOT

L2D_COCO = f'{ROOT}/configs/l2d/r101_to_r18_coco.py'


def _cfg(path: str = L2D_COCO) -> Config:
    return Config.fromfile(path)


# --- point 1: one batch convention, the global batch ----------------------


@pytest.mark.parametrize('world, per_process', [(1, 64), (2, 32), (4, 16),
                                                (8, 8)])
def test_global_batch_is_split_over_the_processes(world, per_process):
    cfg = _cfg()
    assert 'batch_size' not in cfg.train_dataloader  # only the global batch
    plan = apply_recipe(cfg, world)
    assert (plan.global_batch, plan.per_process) == (64, per_process)
    assert cfg.train_dataloader.batch_size == per_process
    assert plan.declared_by == 'global_batch_size'


def test_global_batch_that_does_not_divide_is_an_error_naming_the_field():
    with pytest.raises(
            ConfigError,
            match=r'global_batch_size=64 does not divide into 3 '
            r'processes.*\[1, 2, 4, 8, 16, 32, 64\]'):
        apply_recipe(_cfg(), 3)


def test_both_conventions_must_agree():
    cfg = _cfg()
    cfg.train_dataloader.batch_size = 16
    with pytest.raises(
            ConfigError,
            match='global_batch_size=64 and '
            r'train_dataloader.batch_size=16 disagree at 1 '):
        resolve_batch(cfg, 1)
    # consistent: 4 x 16 = 64
    assert resolve_batch(cfg, 4).per_process == 16


def test_a_config_without_any_batch_is_an_error():
    cfg = _cfg()
    cfg.global_batch_size = None
    with pytest.raises(
            ConfigError,
            match='declares no training batch: set '
            'global_batch_size .* train_dataloader.batch_size'):
        resolve_batch(cfg, 1)


@pytest.mark.parametrize('bad', [0, -64, 64.0, True, '64'])
def test_global_batch_must_be_a_positive_integer(bad):
    cfg = _cfg()
    cfg.global_batch_size = bad
    with pytest.raises(
            ConfigError, match='global_batch_size must be a '
            'positive integer'):
        resolve_batch(cfg, 1)


def _peak_lr_of_built_scheduler(cfg: Config, steps: int = 50) -> float:
    """Step mmengine's OneCycleLR built from the config's settings."""
    from mmengine.optim import OneCycleLR
    (sched_cfg, ) = [
        s for s in cfg.param_scheduler if s['type'] == 'OneCycleLR'
    ]
    param = torch.nn.Parameter(torch.zeros(1))
    optim = torch.optim.Adam([param], lr=cfg.optim_wrapper.optimizer.lr)
    sched = OneCycleLR(
        optim,
        eta_max=sched_cfg['eta_max'],
        pct_start=sched_cfg['pct_start'],
        total_steps=steps,
        by_epoch=False)
    peak = 0.0
    for _ in range(steps):
        peak = max(peak, optim.param_groups[0]['lr'])
        optim.step()
        sched.step()
    return peak


def test_per_process_convention_with_auto_scale_lr():
    """OpenMMLab's convention: per-GPU batch + --auto-scale-lr."""
    cfg = _cfg(f'{ROOT}/configs/kd/r101_to_r18_coco.py')
    assert _peak_lr_of_built_scheduler(cfg) == pytest.approx(1e-4)
    cfg.global_batch_size = None
    cfg.train_dataloader.batch_size = 32
    cfg.auto_scale_lr.enable = True
    plan = apply_recipe(cfg, 8)
    assert (plan.per_process, plan.global_batch) == (32, 256)
    assert plan.declared_by == 'train_dataloader.batch_size'
    # OneCycleLR's peak is eta_max whatever the optimiser's lr, so scaling
    # only the optimiser (all mmengine does) would leave the lr unchanged.
    assert cfg.param_scheduler[0].eta_max == pytest.approx(4e-4)
    assert _peak_lr_of_built_scheduler(cfg) == pytest.approx(4e-4)
    card = build_recipe_card(cfg, plan)
    assert card.lr == pytest.approx(4e-4) and card.lr_scale == 4.0
    assert 'x4 = 256 / 64' in card.text()


def test_per_process_batch_without_auto_scale_says_the_lr_is_not_scaled():
    cfg = _cfg()
    cfg.global_batch_size = None
    cfg.train_dataloader.batch_size = 64
    plan = apply_recipe(cfg, 8)
    assert plan.global_batch == 512
    assert cfg.param_scheduler[0].eta_max == pytest.approx(1e-4)
    assert 'NOT scaled from batch 64 to 512' in build_recipe_card(cfg,
                                                                  plan).text()


# --- point 4: the recipe card equals the paper's recipe ---------------------

L2D_PIPELINE = [
    'LoadImagePIL', 'PILResize', 'CutoutPIL', 'RandAugmentPIL', 'PackInputs'
]
MLD = dict(type='MLDLoss', loss_weight=10 / 64)
LED = dict(
    type='LEDLoss', cd_weight=100.0, id_weight=1000.0, loss_weight=1 / 64)
HEADLINES = {
    'l2d/r101_to_r18_coco.py':
    dict(loss_mld=MLD, loss_led=LED),
    'l2d/r101_to_r18_voc.py':
    dict(loss_mld=MLD, loss_led=LED),
    'l2d/r101_to_r18_nuswide.py':
    dict(loss_mld=MLD, loss_led=LED),
    # The paper's other pairs (configs/l2d/README.md, "Model pairs").
    **{
        f'l2d/{pair}.py': dict(loss_mld=MLD, loss_led=LED)
        for pair in (
            'r101_to_r34_coco',
            'r101_to_r34_voc',
            'r101_to_r34_nuswide',
            'r50_to_r18_coco',
            'wrn101_to_wrn50_coco',
            'repvgg_a2_to_a0_coco',
            'swin_t_to_mbv2_coco',
        )
    },
    'kd/r101_to_r18_coco.py':
    dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
    'binary_kd/r101_to_r18_coco.py':
    dict(
        loss_bkd=dict(
            type='BinaryKDLoss',
            tau=4.0,
            reduction='batchmean',
            loss_weight=1.0)),
    'partial_softmax/r101_to_r18_coco.py':
    dict(
        loss_pskd=dict(type='PartialSoftmaxKDLoss', tau=1.0, loss_weight=1.0)),
    'fitnet/r101_to_r18_coco.py':
    dict(loss_fitnet=dict(type='L2Loss', normalize=True, loss_weight=10.0)),
    'at/r101_to_r18_coco.py':
    dict(loss_at=dict(type='ATLoss', loss_weight=1000.0)),
    'rkd/r101_to_r18_coco.py':
    dict(
        loss_rkd=dict(type='RKDLoss', distance_weight=25.0,
                      angle_weight=50.0)),
    'pkt/r101_to_r18_coco.py':
    dict(
        loss_pkt=dict(
            type='PKTLoss',
            include_self=False,
            reduction='batchmean',
            loss_weight=470.0)),
    'clkd/r101_to_r18_coco.py':
    dict(
        loss_clkd=dict(
            type='CLKDLoss',
            instance=0.5,
            class_level=1.0,
            correlation=0.4,
            on='logits',
            corr_axis='class',
            corr_center=True,
            corr_divisor='unbiased',
            corr_squared=True,
            corr_reduction='mean',
            loss_weight=1.0)),
    'stkd/r101_to_r18_coco.py':
    dict(
        loss_stkd=dict(
            type='STKDLoss', tau=4.0, mode='multilabel', loss_weight=1.0)),
    'cams_kd/r101_to_r18_coco.py':
    dict(
        loss_cam=dict(
            type='CAMDistillLoss',
            resolution=2,
            normalize='l2',
            classes='all',
            loss_weight=10.0)),
}


def _card(name: str, gpus: int):
    cfg = _cfg(f'{ROOT}/configs/{name}')
    return build_recipe_card(cfg, apply_recipe(cfg, gpus), config_name=name)


@pytest.mark.parametrize('gpus', [8, 1])
@pytest.mark.parametrize('name', sorted(HEADLINES))
def test_headline_card_is_the_papers_recipe(name, gpus):
    card = _card(name, gpus)
    assert card.plan.global_batch == 64
    assert card.plan.per_process == 64 // gpus
    assert card.sync_bn == 'torch'
    # The reference's decay 1e-4 and eps 1e-8 over mmlkd's loss scale 1/64
    # (configs/_base_/schedules/adam_onecycle_80e.py).
    assert card.optimizer == dict(
        type='Adam', lr=1e-4, weight_decay=1e-4 / 64, eps=1e-8 / 64)
    assert card.lr == 1e-4 and card.lr_scale is None
    lr_sched, momentum = card.schedulers
    assert lr_sched['type'] == 'OneCycleLR' and lr_sched['eta_max'] == 1e-4
    assert momentum == dict(
        type='OneCycleMomentum',
        base_momentum=0.85,
        max_momentum=0.95,
        pct_start=0.2,
        by_epoch=True,
        begin=0,
        end=80,
        convert_to_iter_based=True)
    for sched in card.schedulers:
        assert (sched['begin'], sched['end'], sched['pct_start']) == (0, 80,
                                                                      0.2)
        assert sched['convert_to_iter_based']  # stepped per iteration
    assert card.max_epochs == 80
    types = [t['type'] for t in card.train_pipeline]
    expected = list(L2D_PIPELINE)
    if '_voc' in name:  # "difficult" labels count as positive
        expected.insert(1, 'MergeDifficultLabels')
    assert types == expected
    assert card.input_mean == (0.0, ) * 3
    assert card.input_std == (255.0, ) * 3
    assert card.distill_losses == HEADLINES[name]
    task = 0.1 if name.startswith('clkd/') else 1.0
    assert card.student_loss == dict(
        type='CrossEntropyLoss', use_sigmoid=True, loss_weight=task)


@pytest.mark.parametrize('name', sorted(HEADLINES))
def test_card_at_8_gpus_equals_card_at_1_but_for_the_split(name):
    one, eight = _card(name, 1), _card(name, 8)
    assert one.lines()[4:] == eight.lines()[4:]  # from the optimizer on
    assert eight.lines()[2].split()[1:4] == ['global', '64', '=']


def _rows(card) -> dict:
    """The card's labelled rows (continuation rows left out)."""
    import re
    rows = (re.match(r'  (\S.*?)  +(.*)', line) for line in card.lines()[1:])
    return dict(m.groups() for m in rows if m)


def test_card_shows_decay_eps_beta1_and_iterations():
    """Weight decay, Adam's eps, whether beta1 is cycled and the
    iterations per epoch: the settings that decide the trajectory."""
    cfg = _cfg()
    assert cfg.train_dataloader.drop_last  # as the reference's loader
    plan = apply_recipe(cfg, 1)
    card = build_recipe_card(cfg, plan, dataset_size=82081)
    rows = _rows(card)
    assert rows['weight decay'] == ('1.5625e-06 (coupled L2), 0 on norm, '
                                    'bias, 1-D parameters')
    assert rows['eps'] == '1.5625e-10'
    assert rows['beta1'] == ('cycled by OneCycleMomentum: 0.95 -> 0.85 -> '
                             '0.95, per iteration')
    assert rows['iterations'] == '1282 per epoch, 102560 in all'
    # Without the momentum scheduler, and with torch's defaults.
    cfg.param_scheduler = cfg.param_scheduler[:1]
    cfg.optim_wrapper.optimizer = dict(type='Adam', lr=1e-4)
    rows = _rows(build_recipe_card(cfg, plan))
    assert rows['weight decay'] == 'none'
    assert rows['eps'] == '1e-08 (torch default)'
    assert rows['beta1'] == 'fixed 0.9'
    cfg.optim_wrapper.optimizer = dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)
    cfg.optim_wrapper.paramwise_cfg = {}
    rows = _rows(build_recipe_card(cfg, plan))
    assert rows['weight decay'] == '0.0001 (coupled L2) on every parameter'
    assert 'eps' not in rows and rows['momentum'] == 'fixed 0.9'


def test_card_names_the_initial_weights():
    rows = _rows(_card('l2d/r101_to_r18_coco.py', 1))
    # torchvision's ImageNet weights, as the L2D reference.
    assert rows['initial weights'] == 'backbone torchvision://resnet18'
    rows = _rows(_card('demo/teacher.py', 1))
    assert rows['initial weights'] == 'random (no Pretrained init_cfg)'


def test_card_names_what_differs_from_the_reference():
    lines = '\n'.join(_card('l2d/r101_to_r18_coco.py', 8).lines())
    assert 'vs reference      BCE: the reference clamps' in lines
    repvgg = _card('l2d/repvgg_a2_to_a0_coco.py', 8)
    assert any(
        d.startswith('evaluation: the train-time RepVGG')
        for d in repvgg.differences)
    assert repvgg.differences[:3] == _card('l2d/r101_to_r18_coco.py',
                                           1).differences
    assert _card('demo/mld.py', 1).differences == []
