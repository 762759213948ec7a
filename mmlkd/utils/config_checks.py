"""Checks run on a config before any training time is spent.

The OpenMMLab stack accepts some mistakes silently: mmrazor loads a teacher
checkpoint non-strictly (a head of the wrong size only logs a warning and the
teacher stays random), the runner loads ``load_from`` non-strictly (a
checkpoint of another model trains from scratch), teacher/student class
counts are never compared, and ``--cfg-options`` merges a misspelt key
without a word. These checks turn such mistakes into errors that name the
field at fault. Checks of the built datasets are in ``data_checks``,
checkpoint reading in ``checkpoint_loading``.
"""
import os.path as osp
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from .checkpoint_loading import (build_for_check, check_fits, load_strictly,
                                 read_checkpoint, state_dict_of)
from .errors import ConfigError

DISTILL_TYPES = ('SingleTeacherDistill', 'mmrazor.SingleTeacherDistill',
                 'STKDDistill', 'mmrazor.STKDDistill')


def _num_classes(model_cfg: Any) -> Optional[int]:
    if not isinstance(model_cfg, dict):
        return None
    head = model_cfg.get('head')
    if isinstance(head, dict) and 'num_classes' in head:
        return int(head['num_classes'])
    return None


def is_distill_config(cfg: Config) -> bool:
    model = cfg.get('model', {})
    return isinstance(model, dict) and 'teacher' in model and ('architecture'
                                                               in model)


def class_count_fields(cfg: Config) -> Dict[str, int]:
    """Every ``num_classes`` the model config states, by config field."""
    model = cfg.get('model', {})
    if not isinstance(model, dict):
        return {}
    if is_distill_config(cfg):
        counts: Dict[str, Optional[int]] = {
            'model.teacher.head.num_classes':
            _num_classes(model.get('teacher')),
            'model.architecture.head.num_classes':
            _num_classes(model.get('architecture')),
        }
    else:
        counts = {'model.head.num_classes': _num_classes(model)}
    for name, pre in (('model.data_preprocessor',
                       model.get('data_preprocessor')),
                      ('data_preprocessor', cfg.get('data_preprocessor'))):
        if isinstance(pre, dict) and pre.get('num_classes') is not None:
            counts[f'{name}.num_classes'] = int(pre['num_classes'])
            break
    return {k: v for k, v in counts.items() if v is not None}


def check_class_counts(cfg: Config) -> None:
    """Teacher, student and data preprocessor agree on the number of
    classes."""
    known = class_count_fields(cfg)
    if len(set(known.values())) > 1:
        listed = ', '.join(f'{k}={v}' for k, v in known.items())
        what = ('teacher and student must predict the same classes'
                if is_distill_config(cfg) else
                'head and data preprocessor must agree on the classes')
        raise ConfigError(f'{what}; the config has {listed}')


def _is_remote(path: str) -> bool:
    return '://' in path


def _teacher_pretrained(cfg: Config) -> bool:
    """The teacher config loads its own weights (a Pretrained init_cfg)."""
    teacher = cfg.model.get('teacher')
    if not isinstance(teacher, dict):
        return False
    for init in (teacher.get('init_cfg'),
                 (teacher.get('backbone') or {}).get('init_cfg') if isinstance(
                     teacher.get('backbone'), dict) else None):
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            return True
    return False


def check_teacher_checkpoint(cfg: Config,
                             allow_random_teacher: bool = False) -> None:
    """``model.teacher_ckpt`` is set, readable, and fits ``model.teacher``.

    The teacher is built from its config and the checkpoint loaded into it
    with mmengine's strict loader, so a checkpoint of another architecture
    or class count fails here rather than being loaded non-strictly by
    mmrazor (which only logs a warning and keeps the teacher random).
    Without a checkpoint the teacher would be random: an error unless
    ``allow_random_teacher`` (``tools/train.py --random-teacher``).
    """
    path = cfg.model.get('teacher_ckpt')
    if not path:
        if allow_random_teacher or _teacher_pretrained(cfg):
            return
        raise ConfigError(
            'model.teacher_ckpt is not set: the student would be distilled '
            'from a randomly initialised teacher. Set it with --cfg-options '
            'model.teacher_ckpt=PATH (or pass --random-teacher for a smoke '
            'run)')
    if _is_remote(path):
        return
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'model.teacher_ckpt: no such file {path!r}. Train the teacher '
            'first (tools/train.py with its config) or fix the path with '
            '--cfg-options model.teacher_ckpt=PATH')
    check_teacher_weights(cfg.model.teacher, path)


def check_teacher_weights(teacher_cfg: Any, path: str) -> None:
    """The teacher checkpoint fits ``teacher_cfg`` strictly and is finite.

    A teacher saved after it diverged holds NaN or inf weights; distilling
    from it gives a non-finite loss at the first iteration, which no lower
    lr cures. The tensors are memory-mapped, and the first keys at fault
    are named.
    """
    import torch

    what = 'model.teacher_ckpt'
    ckpt = read_checkpoint(path, what, mmap=True)
    load_strictly(build_for_check(teacher_cfg, 'mmpretrain'), path, what, ckpt)
    bad = [
        k for k, t in state_dict_of(ckpt).items()
        if isinstance(t, torch.Tensor) and t.is_floating_point()
        and not bool(torch.isfinite(t).all())
    ]
    if bad:
        raise ConfigError(
            f'{what}: {path!r} holds non-finite (NaN/inf) weights in '
            f'{len(bad)} tensors, e.g. {bad[:3]}: the teacher was saved after '
            'it diverged. Use an earlier checkpoint of the teacher run (the '
            'distillation would be non-finite from its first step).')


def _model_and_scope(cfg: Config):
    model = dict(cfg.model)
    pre = cfg.get('data_preprocessor')
    if pre is not None:
        model.setdefault('data_preprocessor', pre)
    default = cfg.get('default_scope') or 'mmpretrain'
    return model, model.get('_scope_', default)


def check_load_from(cfg: Config, what: str = 'load_from') -> None:
    """``cfg.load_from`` (not a resume) fits ``cfg.model`` strictly.

    The runner loads it non-strictly: a checkpoint of another model would
    leave the weights random and train from scratch without a word.
    """
    path = cfg.get('load_from')
    if not path or cfg.get('resume') or _is_remote(path):
        return
    model, scope = _model_and_scope(cfg)
    check_fits(model, path, what, scope)


def check_resume_checkpoint(cfg: Config) -> None:
    """The checkpoint a resume will read holds no code and fits the model.

    The file is probed (tensors memory-mapped, not read): stored config
    text that is not plain data is refused (``LKDRunner`` drops the text
    anyway; mmengine's Runner would execute it), and the weights must fill
    ``cfg.model`` as strictly as ``load_from`` does. mmengine's resume loads
    non-strictly: a distillation checkpoint resumed on a student config
    would continue a random student on the tail of the schedule.
    ``tools/train.py`` has already put the file to resume from in
    ``load_from`` (``--resume PATH``, or the work dir's last checkpoint via
    :func:`mmlkd.engine.resolve_auto_resume`).
    """
    path = cfg.get('load_from')
    if not (cfg.get('resume') and path and not _is_remote(path)
            and osp.isfile(path)):
        return
    ckpt = read_checkpoint(path, '--resume', mmap=True)
    model, scope = _model_and_scope(cfg)
    load_strictly(build_for_check(model, scope), path, '--resume', ckpt)


def _hook_configs(cfg: Config):
    """(config field, hook config dict) of every hook the config declares."""
    for name, hook in (cfg.get('default_hooks') or {}).items():
        if isinstance(hook, dict):
            yield f'default_hooks.{name}', hook
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook, dict):
            yield f'custom_hooks[{i}]', hook


def _hook_class(type_name: Any, scope: str):
    if not isinstance(type_name, str):
        return type_name if isinstance(type_name, type) else None
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import HOOKS
    with DefaultScope.overwrite_default_scope(scope):
        return HOOKS.get(type_name)


def check_hook_args(cfg: Config) -> None:
    """Every hook argument the config sets is one the hook accepts.

    mmengine builds hooks when training starts, and ``CheckpointHook`` takes
    ``**kwargs`` it passes on to ``Runner.save_checkpoint`` at the first
    save: a misspelt ``max_keep_ckpt=1`` trains a whole epoch and then
    crashes, leaving no checkpoint. Here each argument is compared with the
    hook's signature (for ``CheckpointHook`` and its subclasses, the named
    arguments only: ``Runner.save_checkpoint`` takes no others).

    Raises:
        ConfigError: an unknown hook type, or an argument the hook does not
            take; the message names the field and the closest argument.
    """
    import difflib
    import inspect

    from mmengine.hooks import CheckpointHook
    scope = cfg.get('default_scope') or 'mmpretrain'
    for field, hook in _hook_configs(cfg):
        cls = _hook_class(hook.get('type'), scope)
        if cls is None:
            raise ConfigError(f'{field}.type: no hook named '
                              f'{hook.get("type")!r} is registered')
        params = inspect.signature(cls.__init__).parameters
        free = any(p.kind is p.VAR_KEYWORD for p in params.values())
        if free and not issubclass(cls, CheckpointHook):
            continue
        named = [
            n for n, p in params.items()
            if n != 'self' and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
        for key in hook:
            if key in ('type', 'priority', '_scope_') or key in named:
                continue
            close = difflib.get_close_matches(key, named, n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise ConfigError(
                f'{field}.{key}: {cls.__name__} has no argument {key!r}'
                f'{hint} (it takes {", ".join(named)})')


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _need(field: str, value: Any, rule: str, ok: bool) -> None:
    if not ok:
        raise ConfigError(f'{field} must be {rule}, got {value!r} '
                          f'({type(value).__name__})')


# mmengine's DefaultOptimWrapperConstructor reads these paramwise_cfg keys
# and silently ignores any other.
PARAMWISE_KEYS = ('bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult',
                  'dwconv_decay_mult', 'flat_decay_mult', 'bypass_duplicate',
                  'custom_keys', 'dcn_offset_lr_mult')


def _loss_weights(node: Any, path: str):
    """(field, value) of every ``loss_weight`` in a nested config."""
    if isinstance(node, dict):
        for k, v in node.items():
            sub = f'{path}.{k}' if path else str(k)
            if k == 'loss_weight':
                yield sub, v
            else:
                yield from _loss_weights(v, sub)
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _loss_weights(v, f'{path}[{i}]')


def check_numbers(cfg: Config) -> None:
    """The schedule, optimiser and loss numbers have the right type and sign.

    mmengine takes ``max_epochs=0`` (trains nothing, exit 0), an lr given as
    a string (fails deep inside torch without naming the field), a negative
    ``loss_weight`` (the loss is maximised) and a misspelt ``paramwise_cfg``
    key (ignored: ``norm_decay_mul`` leaves the norms decayed) without a
    word. Each becomes an error naming the field.
    """
    import difflib
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_epochs', 'max_iters', 'val_interval'):
        if key in train_cfg:
            v = train_cfg[key]
            _need(f'train_cfg.{key}', v, 'a positive integer',
                  isinstance(v, int) and not isinstance(v, bool) and v > 0)
    gbs = cfg.get('global_batch_size')
    if gbs is not None:
        _need('global_batch_size', gbs, 'a positive integer (or None)',
              isinstance(gbs, int) and not isinstance(gbs, bool) and gbs > 0)
    wrapper = cfg.get('optim_wrapper') or {}
    optimizer = wrapper.get('optimizer') if isinstance(wrapper, dict) else None
    if isinstance(optimizer, dict):
        for key in ('lr', 'weight_decay', 'eps', 'momentum'):
            if key in optimizer:
                v = optimizer[key]
                _need(
                    f'optim_wrapper.optimizer.{key}', v,
                    'a non-negative number'
                    if key != 'lr' else 'a positive number',
                    _is_number(v) and (v > 0 if key == 'lr' else v >= 0))
        if 'betas' in optimizer:
            v = optimizer['betas']
            _need(
                'optim_wrapper.optimizer.betas', v, 'two numbers in [0, 1)',
                isinstance(v, (list, tuple)) and len(v) == 2
                and all(_is_number(b) and 0 <= b < 1 for b in v))
    paramwise = wrapper.get('paramwise_cfg') if isinstance(wrapper,
                                                           dict) else None
    for key in (paramwise or {}):
        if key not in PARAMWISE_KEYS:
            close = difflib.get_close_matches(key, PARAMWISE_KEYS, n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise ConfigError(
                f'optim_wrapper.paramwise_cfg.{key}: mmengine reads no such '
                f'key and would ignore it{hint}')
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for i, sch in enumerate(schedulers):
        if not isinstance(sch, dict):
            continue
        for key, v in sch.items():
            if key in ('begin', 'end', 'T_max', 'eta_max', 'eta_min',
                       'start_factor', 'end_factor', 'pct_start', 'gamma',
                       'factor'):
                _need(f'param_scheduler[{i}].{key}', v, 'a number',
                      _is_number(v))
    for field, v in _loss_weights(cfg.get('model') or {}, 'model'):
        _need(
            field, v, 'a non-negative number (a negative weight '
            'maximises the loss)',
            _is_number(v) and v >= 0)


def check_config(cfg: Config, allow_random_teacher: bool = False) -> None:
    """Every pre-training check that applies to ``cfg``."""
    check_class_counts(cfg)
    check_numbers(cfg)
    check_hook_args(cfg)
    if is_distill_config(cfg):
        check_teacher_checkpoint(cfg, allow_random_teacher)
    check_resume_checkpoint(cfg)
    check_load_from(cfg)


def runner_arguments() -> List[str]:
    """The top-level config keys the Runner reads (its __init__ arguments)."""
    import inspect

    from mmengine.runner import Runner

    # Runner.__init__ / from_cfg / wrap_model also read these from the
    # config itself; global_batch_size is read by mmlkd's launch.
    extra = [
        'model_wrapper_cfg', 'compile', 'find_unused_parameters',
        'activation_checkpointing', 'efficient_conv_bn_eval', 'runner_type',
        'sync_bn', 'global_batch_size'
    ]
    return [
        p for p in inspect.signature(Runner.__init__).parameters if p != 'self'
    ] + extra


def check_cfg_option_keys(cfg: Config, options: Optional[Dict]) -> None:
    """Every ``--cfg-options`` key starts with a key the config has.

    mmengine merges an unknown key silently (``randomnes.seed=1`` adds a
    ``randomnes`` entry nobody reads, and the run uses the old seed). The
    rule: the first component of a key must be a top-level key of the
    config, or an argument of mmengine's Runner (which reads it from the
    config even when absent, e.g. ``randomness`` or ``resume``). Deeper
    components may add new keys (new arguments of a component).
    """
    import difflib
    if not options:
        return
    known = set(cfg.keys()) | set(runner_arguments())
    for key in options:
        top = str(key).split('.')[0]
        if top not in known:
            close = difflib.get_close_matches(top, sorted(known), n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise ConfigError(
                f'--cfg-options {key}: the config has no top-level key '
                f'{top!r} and the Runner does not read one{hint}')
