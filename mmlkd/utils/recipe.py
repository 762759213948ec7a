"""The batch convention of mmlkd's configs and the recipe card.

A recipe is written for a **global batch**: the images of one optimiser step,
summed over all processes. A config declares it as the top-level field
``global_batch_size`` (the schedule bases do, 64 for the papers' recipes and
the demo), and the launch derives the per-process batch
``train_dataloader.batch_size = global_batch_size / world_size``, so 1, 2 or
8 GPUs train the same recipe. Loss weights are written against the global
batch and never depend on the number of processes.

OpenMMLab's usual per-process convention stays available: with
``global_batch_size=None`` the config's ``train_dataloader.batch_size`` is
taken per process (global = per process x world size), and
``--auto-scale-lr`` scales the learning rate by
``global / auto_scale_lr.base_batch_size``. mmengine scales the optimiser's
``lr`` only; ``OneCycleLR`` sets its own peak (``eta_max``), which is scaled
here with the same ratio so that the flag has its effect on those recipes.

The recipe card (:func:`build_recipe_card`) states what a launch will
actually train: world size, per-process and global batch, BatchNorm
synchronisation, optimiser and learning rate after scaling, schedule, epochs
and iterations, the training pipeline and every loss with its weight.
``tools/train.py`` logs it before training (:class:`RecipeCardHook`) and
``tools/analysis_tools/print_recipe.py`` prints it for any world size.
"""
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from mmengine.config import Config, ConfigDict

from .errors import ConfigError

GLOBAL_BATCH = 'global_batch_size'
PER_PROCESS_BATCH = 'train_dataloader.batch_size'


@dataclass
class BatchPlan:
    """Per-process and global batch of one launch.

    Attributes:
        world_size: number of processes.
        per_process: images per process and step.
        global_batch: images per optimiser step over all processes.
        declared_by: the config field the batch comes from
            (``global_batch_size`` or ``train_dataloader.batch_size``).
    """
    world_size: int
    per_process: int
    global_batch: int
    declared_by: str


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f'{name} must be a positive integer, got {value!r}')
    return value


def resolve_batch(cfg: Config, world_size: int) -> BatchPlan:
    """The batch a config trains with at ``world_size`` processes.

    Raises:
        ConfigError: naming the field when the global batch does not divide
            by the world size, when both conventions are given and disagree,
            or when the config declares no batch at all.
    """
    world_size = _positive_int(world_size, 'world size')
    loader = cfg.get('train_dataloader') or {}
    per_process = loader.get('batch_size')
    global_batch = cfg.get(GLOBAL_BATCH)
    if global_batch is None:
        if per_process is None:
            raise ConfigError(
                f'the config declares no training batch: set {GLOBAL_BATCH} '
                f'(images per step over all processes) or, per process, '
                f'{PER_PROCESS_BATCH}')
        per_process = _positive_int(per_process, PER_PROCESS_BATCH)
        return BatchPlan(world_size, per_process, per_process * world_size,
                         PER_PROCESS_BATCH)
    global_batch = _positive_int(global_batch, GLOBAL_BATCH)
    if global_batch % world_size:
        divisors = [
            n for n in range(1, global_batch + 1) if global_batch % n == 0
        ]
        raise ConfigError(
            f'{GLOBAL_BATCH}={global_batch} does not divide into '
            f'{world_size} processes; use a number of processes among '
            f'{divisors}, or change {GLOBAL_BATCH}')
    derived = global_batch // world_size
    if per_process is not None and per_process != derived:
        raise ConfigError(
            f'{GLOBAL_BATCH}={global_batch} and {PER_PROCESS_BATCH}='
            f'{per_process} disagree at {world_size} process(es) (the global '
            f'batch gives {derived} per process). Set only {GLOBAL_BATCH}, or '
            f'set {GLOBAL_BATCH}=None to train with a per-process batch')
    return BatchPlan(world_size, derived, global_batch, GLOBAL_BATCH)


def lr_scale_ratio(cfg: Config, plan: BatchPlan) -> Optional[float]:
    """``global / auto_scale_lr.base_batch_size`` when auto-scaling is on."""
    auto = cfg.get('auto_scale_lr') or {}
    if not auto.get('enable', False):
        return None
    base = auto.get('base_batch_size')
    if base is None:
        raise ConfigError('auto_scale_lr.enable is set but '
                          'auto_scale_lr.base_batch_size is missing')
    return plan.global_batch / _positive_int(base,
                                             'auto_scale_lr.base_batch_size')


def _schedulers(cfg: Config) -> List[dict]:
    sched = cfg.get('param_scheduler')
    if sched is None:
        return []
    return list(sched) if isinstance(sched, (list, tuple)) else [sched]


def apply_recipe(cfg: Config, world_size: int) -> BatchPlan:
    """Turn the config's recipe into this launch's settings, in place.

    Sets ``train_dataloader.batch_size`` to the per-process batch and, when
    ``auto_scale_lr.enable`` is set, scales every ``OneCycleLR``'s
    ``eta_max`` (mmengine's Runner scales the optimiser's lr itself).
    Call it once per launch, after the command-line overrides.
    """
    plan = resolve_batch(cfg, world_size)
    cfg.train_dataloader.batch_size = plan.per_process
    ratio = lr_scale_ratio(cfg, plan)
    if ratio is not None and ratio != 1.0:
        for sched in _schedulers(cfg):
            if str(sched.get('type', '')).endswith('OneCycleLR'):
                if 'eta_max' not in sched:
                    raise ConfigError(
                        'auto_scale_lr: the OneCycleLR scheduler has no '
                        'eta_max to scale')
                sched['eta_max'] = sched['eta_max'] * ratio
    return plan


# What `sync_bn` becomes on CPU processes (mmlkd/engine/model_wrappers).
CPU_SYNC_BN_WRAPPER = 'CPUSyncBNDistributedDataParallel'


@dataclass
class RecipeCard:
    """What a launch trains, in plain values (:func:`build_recipe_card`)."""
    config: str
    plan: BatchPlan
    sync_bn: Optional[str]
    optimizer: Dict[str, Any]
    lr: Optional[float]
    lr_scale: Optional[float]
    base_batch_size: Optional[int]
    schedulers: List[Dict[str, Any]]
    max_epochs: Optional[int]
    max_iters: Optional[int]
    iters_per_epoch: Optional[int]
    dataset: Dict[str, Any]
    train_pipeline: List[Dict[str, Any]]
    input_mean: Optional[Tuple[float, ...]]
    input_std: Optional[Tuple[float, ...]]
    student_loss: Optional[Dict[str, Any]]
    distill_losses: Dict[str, Dict[str, Any]]
    teacher_ckpt: Optional[str] = None
    init_weights: Optional[str] = None
    differences: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    paramwise_cfg: Dict[str, Any] = field(default_factory=dict)

    @property
    def peak_lr(self) -> Optional[float]:
        """The highest learning rate of the schedule (OneCycle's eta_max)."""
        for sched in self.schedulers:
            if str(sched.get('type', '')).endswith('OneCycleLR'):
                return sched.get('eta_max')
        return self.lr

    def lines(self) -> List[str]:
        p = self.plan
        rows: List[Tuple[str, str]] = []
        rows.append(('world size', f'{p.world_size} process(es)'))
        rows.append(('batch', f'global {p.global_batch} = {p.world_size} x '
                     f'{p.per_process} per process (from {p.declared_by})'))
        if self.sync_bn and p.world_size > 1:
            bn = (f'SyncBN ({self.sync_bn!r}): statistics over the global '
                  'batch')
        elif self.sync_bn:
            bn = f'BN (one process; sync_bn={self.sync_bn!r} idle)'
        else:
            bn = 'BN, statistics per process'
        rows.append(('BatchNorm', bn))
        opt = dict(self.optimizer)
        rows.append(('optimizer', f'{opt.pop("type", "?")}({_kw(opt)})'))
        rows.extend(self._optimizer_rows())
        if self.lr_scale is None and self.base_batch_size not in (
                None, p.global_batch):
            scaled = (f'{_num(self.lr)} (auto_scale_lr off: NOT scaled from '
                      f'batch {self.base_batch_size} to {p.global_batch}; '
                      'add --auto-scale-lr to scale it)')
        elif self.lr_scale is None:
            scaled = (f'{_num(self.lr)} (auto_scale_lr off; tuned for '
                      f'batch {self.base_batch_size})')
        else:
            scaled = (f'{_num(self.lr)} (auto_scale_lr: x{_num(self.lr_scale)}'
                      f' = {p.global_batch} / {self.base_batch_size})')
        rows.append(('lr after scaling', scaled))
        if self.peak_lr != self.lr:
            rows.append(('peak lr', f'{_num(self.peak_lr)} (OneCycleLR '
                         'eta_max: the optimiser lr is overridden)'))
        for i, sched in enumerate(self.schedulers):
            s = dict(sched)
            rows.append(('lr schedule' if i == 0 else '',
                         f'{s.pop("type", "?")}({_kw(s)})'))
        if self.max_epochs is not None:
            rows.append(('epochs', str(self.max_epochs)))
        if self.iters_per_epoch is not None:
            total = (f', {self.iters_per_epoch * self.max_epochs} in all'
                     if self.max_epochs is not None else '')
            rows.append(('iterations', f'{self.iters_per_epoch} per epoch'
                         f'{total}'))
        elif self.max_iters is not None:
            rows.append(('iterations', f'{self.max_iters} in all'))
        else:
            rows.append(('iterations', 'per epoch: unknown until the '
                         'dataset is loaded'))
        rows.append(('train data', _kw(self.dataset)))
        rows.append(('train pipeline',
                     ' -> '.join(_transform(t) for t in self.train_pipeline)))
        if self.input_mean is not None:
            rows.append(('input scaling', f'(x - {list(self.input_mean)}) / '
                         f'{list(self.input_std)}'))
        if self.init_weights is not None:
            rows.append(('initial weights', self.init_weights))
        if self.teacher_ckpt is not None:
            rows.append(('teacher', self.teacher_ckpt))
        if self.student_loss is not None:
            s = dict(self.student_loss)
            rows.append(('student loss', f'{s.pop("type", "?")}({_kw(s)})'))
        for i, (name, loss) in enumerate(self.distill_losses.items()):
            s = dict(loss)
            rows.append(('distill losses' if i == 0 else '',
                         f'{name}: {s.pop("type", "?")}({_kw(s)})'))
        if not self.distill_losses:
            rows.append(('distill losses', 'none'))
        for i, diff in enumerate(self.differences):
            rows.append(('vs reference' if i == 0 else '', diff))
        for i, note in enumerate(self.notes):
            rows.append(('notes' if i == 0 else '', note))
        width = max(len(k) for k, _ in rows)
        return [f'Recipe card of {self.config}'
                ] + [f'  {k:<{width}}  {v}' for k, v in rows]

    def text(self) -> str:
        return '\n'.join(self.lines())

    def _optimizer_rows(self) -> List[Tuple[str, str]]:
        """Weight decay, Adam's eps and beta1 (or SGD's momentum): what
        the optimiser takes, with torch's defaults where the config is
        silent, and whether a scheduler cycles the momentum."""
        opt = self.optimizer
        kind = str(opt.get('type', ''))
        rows = []
        wd = opt.get('weight_decay', 0.0)
        if wd:
            spared = [
                what for key, what in (('norm_decay_mult',
                                        'norm'), ('bias_decay_mult', 'bias'),
                                       ('flat_decay_mult', '1-D'))
                if self.paramwise_cfg.get(key) == 0
            ]
            coupled = 'decoupled' if kind.endswith('W') else 'coupled L2'
            rows.append(('weight decay', f'{_num(wd)} ({coupled}), 0 on '
                         f'{", ".join(spared)} parameters' if spared else
                         f'{_num(wd)} ({coupled}) on every parameter'))
        else:
            rows.append(('weight decay', 'none'))
        adam = 'Adam' in kind
        if adam:
            eps = opt.get('eps')
            rows.append(
                ('eps', '1e-08 (torch default)' if eps is None else _num(eps)))
        label = 'beta1' if adam else 'momentum'
        cyclers = [
            s for s in self.schedulers
            if str(s.get('type', '')).endswith('Momentum')
        ]
        if cyclers:
            s = cyclers[0]
            per = ('per iteration' if s.get('convert_to_iter_based')
                   or not s.get('by_epoch', True) else 'per epoch')
            if str(s['type']).endswith('OneCycleMomentum'):
                top = _num(s.get('max_momentum', 0.95))
                value = (f'cycled by {s["type"]}: {top} -> '
                         f'{_num(s.get("base_momentum", 0.85))} -> {top}, '
                         f'{per}')
            else:
                value = f'scheduled by {s["type"]}, {per}'
        elif adam:
            value = f'fixed {_num(float((opt.get("betas") or (0.9, ))[0]))}'
        else:
            value = f'fixed {_num(float(opt.get("momentum", 0.0)))}'
        rows.append((label, value))
        return rows


def _num(x: Any) -> str:
    return 'n/a' if x is None else f'{x:g}' if isinstance(x, float) else str(x)


def _plain(value: Any) -> Any:
    if isinstance(value, (ConfigDict, dict)):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _value(v: Any) -> str:
    return _num(v) if isinstance(v, float) else repr(v)


def _kw(d: Mapping[str, Any]) -> str:
    return ', '.join(f'{k}={_value(v)}' for k, v in sorted(d.items()))


def _transform(t: Mapping[str, Any]) -> str:
    t = dict(t)
    name = t.pop('type', '?')
    return f'{name}({_kw(t)})' if t else name


def _student(model: Mapping[str, Any]) -> Mapping[str, Any]:
    return model.get('architecture', model) if isinstance(model,
                                                          Mapping) else {}


def _dataset_size(dataset: Mapping[str, Any]) -> Optional[int]:
    """The size a dataset config states without reading data, if any.

    Datasets generated in memory (``DemoShapes``) state ``num_images``;
    datasets read from disk are only sized by loading them.
    """
    n = dataset.get('num_images')
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def iters_per_epoch(cfg: Config, plan: BatchPlan,
                    dataset_size: Optional[int]) -> Optional[int]:
    """Steps per epoch of mmengine's DefaultSampler + DataLoader.

    DefaultSampler (``round_up=True``) gives each process
    ``ceil(N / world)`` images; the loader then makes batches of the
    per-process size, dropping the last one only with ``drop_last``.
    """
    loader = cfg.get('train_dataloader') or {}
    sampler = loader.get('sampler') or {}
    if dataset_size is None or not str(sampler.get(
            'type', '')).endswith('DefaultSampler') or not sampler.get(
                'round_up', True):
        return None
    per_rank = math.ceil(dataset_size / plan.world_size)
    if loader.get('drop_last', False):
        return per_rank // plan.per_process
    return math.ceil(per_rank / plan.per_process)


def _init_weights(student: Dict[str, Any]) -> str:
    """Where the student's weights start: its Pretrained init_cfg, if any."""
    for part, sub in (('', student), ('backbone ', student.get('backbone'))):
        init = (sub or {}).get('init_cfg') if isinstance(sub, dict) else None
        for one in (init if isinstance(init, list) else [init]):
            if isinstance(one, dict) and one.get('type') == 'Pretrained':
                return f'{part}{one.get("checkpoint")}'.strip()
    return 'random (no Pretrained init_cfg)'


def build_recipe_card(cfg: Config,
                      plan: BatchPlan,
                      config_name: str = '',
                      dataset_size: Optional[int] = None,
                      notes: Optional[List[str]] = None) -> RecipeCard:
    """Read the effective recipe out of a config prepared by
    :func:`apply_recipe` for ``plan``.

    Args:
        dataset_size: images of the training set, when known (a built
            dataset); otherwise taken from the dataset config if it states
            it, else the iterations are reported unknown.
    """
    optim = _plain((cfg.get('optim_wrapper') or {}).get('optimizer') or {})
    ratio = lr_scale_ratio(cfg, plan)
    lr = optim.get('lr')
    if lr is not None and ratio is not None:
        lr = lr * ratio  # what mmengine's Runner.scale_lr does
    train_cfg = cfg.get('train_cfg') or {}
    loader = cfg.get('train_dataloader') or {}
    dataset = _plain(loader.get('dataset') or {})
    pipeline = dataset.pop('pipeline', [])
    if dataset_size is None:
        dataset_size = _dataset_size(dataset)
    model = cfg.get('model') or {}
    student = _student(model)
    head = student.get('head') or {}
    pre = (
        model.get('data_preprocessor') or cfg.get('data_preprocessor') or {})
    distiller = model.get('distiller') or {}
    mean = pre.get('mean')
    return RecipeCard(
        config=config_name,
        plan=plan,
        sync_bn=cfg.get('sync_bn')
        or ('CPUSyncBatchNorm' if
            (cfg.get('model_wrapper_cfg')
             or {}).get('type') == CPU_SYNC_BN_WRAPPER else None),
        optimizer=optim,
        lr=lr,
        lr_scale=ratio,
        base_batch_size=(cfg.get('auto_scale_lr')
                         or {}).get('base_batch_size'),
        schedulers=[_plain(s) for s in _schedulers(cfg)],
        max_epochs=train_cfg.get('max_epochs'),
        max_iters=train_cfg.get('max_iters'),
        iters_per_epoch=(iters_per_epoch(cfg, plan, dataset_size)
                         if train_cfg.get('by_epoch', True) else None),
        dataset=dataset,
        train_pipeline=list(pipeline),
        input_mean=None if mean is None else tuple(mean),
        input_std=None if mean is None else tuple(pre.get('std') or ()),
        student_loss=_plain(head.get('loss')) if head.get('loss') else None,
        distill_losses={
            k: _plain(v)
            for k, v in (distiller.get('distill_losses') or {}).items()
        },
        teacher_ckpt=model.get('teacher_ckpt'),
        init_weights=_init_weights(student),
        differences=[
            str(d)
            for key in ('reference_differences', 'pair_reference_differences')
            for d in (cfg.get(key) or [])
        ],
        notes=list(notes or []),
        paramwise_cfg=_plain(
            (cfg.get('optim_wrapper') or {}).get('paramwise_cfg') or {}),
    )
