"""Checks run on a config before any training time is spent.

The OpenMMLab stack accepts some mistakes silently: mmrazor loads a teacher
checkpoint non-strictly (a head of the wrong size only logs a warning and the
teacher stays random), and teacher/student class counts are never compared.
These checks turn such mistakes into errors that name the field at fault.
"""
import os.path as osp
from typing import Any, Dict, List, Optional

import torch
from mmengine.config import Config

DISTILL_TYPES = ('SingleTeacherDistill', 'mmrazor.SingleTeacherDistill',
                 'STKDDistill', 'mmrazor.STKDDistill')


class ConfigError(ValueError):
    """A config field is wrong; the message names the field."""


def _num_classes(model_cfg: Any) -> Optional[int]:
    if not isinstance(model_cfg, dict):
        return None
    head = model_cfg.get('head')
    if isinstance(head, dict) and 'num_classes' in head:
        return int(head['num_classes'])
    return None


def is_distill_config(cfg: Config) -> bool:
    model = cfg.get('model', {})
    return isinstance(model, dict) and 'teacher' in model and (
        'architecture' in model)


def check_class_counts(cfg: Config) -> None:
    """Teacher, student and data preprocessor agree on the number of classes."""
    model = cfg.model
    counts: Dict[str, Optional[int]] = {
        'model.teacher.head.num_classes': _num_classes(model.get('teacher')),
        'model.architecture.head.num_classes':
        _num_classes(model.get('architecture')),
    }
    pre = model.get('data_preprocessor') or cfg.get('data_preprocessor')
    if isinstance(pre, dict) and pre.get('num_classes') is not None:
        counts['data_preprocessor.num_classes'] = int(pre['num_classes'])
    known = {k: v for k, v in counts.items() if v is not None}
    if len(set(known.values())) > 1:
        listed = ', '.join(f'{k}={v}' for k, v in known.items())
        raise ConfigError(
            f'teacher and student must predict the same classes; the config '
            f'has {listed}')


def _is_remote(path: str) -> bool:
    return '://' in path


def _plain_state_dict(ckpt: Any) -> Dict[str, torch.Tensor]:
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(state, dict):
        raise ConfigError('the checkpoint holds no state_dict')
    return state


def check_teacher_checkpoint(cfg: Config) -> None:
    """``model.teacher_ckpt`` exists and fits ``model.teacher``.

    The teacher is built from its config (cheap: no weights are loaded twice)
    and every parameter shape is compared with the checkpoint's, so a
    checkpoint of another architecture or class count fails here rather than
    being loaded non-strictly by mmrazor.
    """
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    path = cfg.model.get('teacher_ckpt')
    if not path or _is_remote(path):
        return
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'model.teacher_ckpt: no such file {path!r}. Train the teacher '
            'first (tools/train.py with its config) or fix the path with '
            '--cfg-options model.teacher_ckpt=PATH')
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    state = _plain_state_dict(ckpt)

    teacher_cfg = dict(cfg.model.teacher)
    teacher_cfg.pop('init_cfg', None)
    if isinstance(teacher_cfg.get('backbone'), dict):
        teacher_cfg['backbone'] = dict(teacher_cfg['backbone'])
        teacher_cfg['backbone'].pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MODELS.build(teacher_cfg)
    expected = teacher.state_dict()
    problems: List[str] = []
    for key, value in expected.items():
        if key not in state:
            problems.append(f'{key} missing')
        elif tuple(state[key].shape) != tuple(value.shape):
            problems.append(f'{key} has shape {tuple(state[key].shape)} in the '
                            f'checkpoint, {tuple(value.shape)} in the config')
    if problems:
        shown = '; '.join(problems[:5])
        more = f' (and {len(problems) - 5} more)' if len(problems) > 5 else ''
        raise ConfigError(
            f'model.teacher_ckpt {path!r} does not fit model.teacher: '
            f'{shown}{more}')


def check_config(cfg: Config) -> None:
    """Every pre-training check that applies to ``cfg``."""
    if is_distill_config(cfg):
        check_class_counts(cfg)
        check_teacher_checkpoint(cfg)
