"""Train demo configs in this process through mmengine's Runner and record
the student's initial weights, the batches it saw and its final weights."""
import itertools
import os.path as osp
from typing import Dict, Iterable, List, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmlkd.engine.hooks.paired_init_hook  # noqa: F401  (registers the hook)
from mmlkd.engine.hooks.paired_init_hook import get_student
from mmlkd.utils.recipe import apply_recipe
from mmlkd_testing import ROOT, TINY_DEMO

_RUN_IDS = itertools.count()


def student_state(model) -> Dict[str, torch.Tensor]:
    """The student's parameters and buffers, without its data preprocessor
    (normalisation constants from the config, not weights)."""
    return {
        k: v.detach().clone()
        for k, v in get_student(model).state_dict().items()
        if not k.startswith('data_preprocessor.')
    }


class RecordHook(Hook):
    """Records what pairing must keep equal across runs of one seed."""

    priority = 'LOWEST'  # after every other hook's before_train

    def __init__(self) -> None:
        self.initial: Optional[Dict[str, torch.Tensor]] = None
        self.final: Optional[Dict[str, torch.Tensor]] = None
        self.batches: List[Dict[str, torch.Tensor]] = []

    def before_train(self, runner) -> None:
        self.initial = student_state(runner.model)

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.batches.append(
            dict(
                inputs=torch.stack(data_batch['inputs']).clone(),
                labels=[
                    s.gt_label.clone() for s in data_batch['data_samples']
                ]))

    def after_train(self, runner) -> None:
        self.final = student_state(runner.model)


def tiny_config(config: str,
                work_dir: str,
                paired: bool = True,
                teacher_ckpt: Optional[str] = None,
                zero_distill_weights: bool = False,
                options: Optional[dict] = None) -> Config:
    """A demo config at TINY_DEMO size (3 iterations), without validation."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.merge_from_dict({
        k: int(v)
        for k, v in (o.split('=') for o in TINY_DEMO)
    })
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.work_dir = work_dir
    # One Runner per experiment name: MMLogger / Visualizer instances are
    # looked up by it, and two runs of a config can start within a second.
    cfg.experiment_name = f'{osp.basename(work_dir)}_{next(_RUN_IDS)}'
    # As configs/_base_/default_runtime.py enables it (a default hook, so a
    # config's own custom_hooks do not drop it); `paired_init=None` is how a
    # config switches it off.
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', []) if h['type'] != 'PairedInitHook'
    ]
    cfg.default_hooks.paired_init = dict(
        type='PairedInitHook') if paired else None
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = teacher_ckpt
    if zero_distill_weights:
        losses = cfg.model.distiller.distill_losses
        assert losses, f'{config}: no distillation losses to switch off'
        for loss in losses.values():
            loss.loss_weight = 0.0
    if options:
        cfg.merge_from_dict(options)
    # What tools/train.py does with the recipe (the per-process batch).
    apply_recipe(cfg, world_size=1)
    return cfg


def train(cfg: Config, extra_hooks: Iterable[Hook] = ()) -> RecordHook:
    runner = Runner.from_cfg(cfg)
    record = RecordHook()
    runner.register_hook(record)
    for hook in extra_hooks:
        runner.register_hook(hook)
    runner.train()
    return record


def assert_same_state(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor],
                      what: str) -> None:
    assert set(a) == set(b), f'{what}: keys differ: {set(a) ^ set(b)}'
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, (f'{what}: {len(differ)} tensors differ, '
                        f'e.g. {differ[:5]}')


def assert_same_batches(a: RecordHook, b: RecordHook) -> None:
    assert len(a.batches) == len(b.batches) > 0
    for i, (x, y) in enumerate(zip(a.batches, b.batches)):
        assert torch.equal(x['inputs'], y['inputs']), f'batch {i}: inputs'
        assert len(x['labels']) == len(y['labels'])
        for u, v in zip(x['labels'], y['labels']):
            assert torch.equal(u, v), f'batch {i}: labels'
