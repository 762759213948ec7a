"""Reading checkpoints for test, ``load_from``, resume and the teacher.

Three guarantees, each with an error that names the file:

* **no code runs from a checkpoint**: tensors are read with
  ``weights_only=True`` (pickled objects outside torch's and mmlkd.compat's
  allow-list are refused), and config text stored in the file is refused
  when it is anything but literal assignments (``Runner.resume`` would
  execute it);
* **unreadable files are named**: a truncated, empty or random-bytes file
  fails with its path and the reason, never with torch's advice to retry
  with ``weights_only=False``;
* **strict fit**: the checkpoint fills the architecture it is loaded into
  exactly (mmengine's own ``load_state_dict(strict=True)``: no missing or
  unexpected keys, no shape mismatch), ``module.`` prefixes of DDP saves
  are stripped, and a distillation checkpoint (``architecture.`` /
  ``teacher.`` keys) on a classifier config is an error that points to the
  converter instead of loading nothing.
"""
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, Dict, List, Optional

import torch

from .config_text import CONFIG_TEXT_FIELDS, unsafe_config_fields
from .errors import CheckpointError

CONVERTER = 'tools/model_converters/convert_kd_ckpt_to_student.py'
DISTILL_PREFIXES = ('architecture.', 'teacher.', 'distiller.')
# mmengine's default key revision: DDP-wrapped saves prefix `module.`.
REVISE_KEYS = [(r'^module\.', '')]


def _reason(exc: BaseException) -> str:
    """torch's error without its advice to switch the safe loader off."""
    text = str(exc)
    found = re.search(r'GLOBAL (\S+)', text)
    if isinstance(exc, pickle.UnpicklingError) and found:
        return (f'it pickles {found.group(1)}, which the safe loader refuses '
                '(checkpoints are read with weights_only=True: no code runs '
                'from a checkpoint)')
    kept = ' '.join(ln.strip() for ln in text.splitlines()
                    if ln.strip() and 'weights_only' not in ln
                    and 'file an issue' not in ln)[:200]
    # torch reports a damaged file through many exception types, some with
    # a bare number (a zip offset or key) or an errno as their text; the
    # reason says what the file is, the detail follows.
    detail = f' [{type(exc).__name__}: {kept}]' if kept and not (
        isinstance(exc, pickle.UnpicklingError) or 'central directory' in text
        or 'PytorchStreamReader' in text) else ''
    return ('it is not a complete torch checkpoint (truncated, corrupt, '
            f'or not written by torch.save){detail}')


def _refuse_missing_or_empty(path: str, what: str, hint: str = '') -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what}: no such checkpoint {path!r}')
    if os.path.getsize(path) == 0:
        raise CheckpointError(f'{what}: checkpoint {path!r} is empty (0 '
                              'bytes), e.g. a save that was interrupted.'
                              f'{hint}')


# First byte of a pickle (torch's legacy, pre-1.6 checkpoint format).
_PICKLE_PROTO = b'\x80'


def check_checkpoint_file(path: str, option: str = '--resume') -> None:
    """Refuse a file that is missing, empty, cut short or corrupt.

    torch writes checkpoints as zip archives whose directory sits at the end
    of the file, so a file cut short (a kill or a full disk while saving)
    lacks it; every member also carries a CRC. Both are checked here, so the
    error names the file instead of torch's unnamed ``PytorchStreamReader``
    failure after the model has been built.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is not a complete checkpoint (a
            ValueError).
    """
    hint = ('A kill or a full disk while saving leaves such partial files; '
            'resume from another checkpoint (`--resume` without a path '
            'takes the last one completely written).')
    _refuse_missing_or_empty(path, option, f' {hint}')
    size = osp.getsize(path)
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            if f.read(1) == _PICKLE_PROTO:
                return  # legacy format: no directory to check
        raise CheckpointError(
            f'{option}: {path!r} ({size} bytes) is not a complete torch '
            'checkpoint: it has no zip directory at its end, as a file cut '
            f'short has. {hint}')
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise CheckpointError(f'{option}: {path!r} ({size} bytes) is not a '
                              f'readable checkpoint ({e}). {hint}') from e
    if bad is not None:
        raise CheckpointError(
            f'{option}: {path!r} is corrupt: its member {bad!r} '
            f'fails the CRC check. {hint}')


def read_checkpoint(path: str, what: str, mmap: bool = False) -> Dict:
    """Load ``path`` safely; every failure names ``what`` and the file.

    With ``mmap=True`` tensors are mapped, not read, so probing a large
    resume checkpoint costs little.
    """
    _refuse_missing_or_empty(path, what)
    import mmlkd.compat
    mmlkd.compat.apply()  # allow-lists the types mmengine checkpoints hold
    try:
        try:
            ckpt = torch.load(
                path, map_location='cpu', weights_only=True, mmap=mmap)
        except RuntimeError as e:
            if not (mmap and 'mmap can only be used' in str(e)):
                raise
            # a legacy (non-zip) file: no mapping possible, read it fully
            ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except (FileNotFoundError, PermissionError):
        raise
    except Exception as e:  # torch raises many types for a bad file
        raise CheckpointError(
            f'{what}: cannot read checkpoint {path!r}: {_reason(e)}') from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{what}: {path!r} holds a '
                              f'{type(ckpt).__name__}, not a checkpoint dict')
    bad = unsafe_config_fields(ckpt, path)
    if bad:
        first = next(iter(bad.values()))
        raise CheckpointError(
            f'{what}: refusing {path!r}: its stored config text is not plain '
            f'data ({", ".join(bad)}); {first}')
    return ckpt


def drop_config_text(ckpt: Dict) -> Dict:
    """Remove every config text mmengine stores in a checkpoint, in place.

    Nothing in a run needs the text of the run that wrote a checkpoint (the
    config in force is the one launched), and mmengine executes some of it
    (``Runner.resume`` runs ``meta['config']`` through
    ``Config.fromstring``; mmrazor's ``RuntimeInfo.config`` and mmengine's
    inferencer do the same with ``meta['cfg']`` and the message hub's
    ``cfg``). Without the text nothing can be executed, whatever it holds.

    Args:
        ckpt: a checkpoint dict as read by :func:`read_checkpoint`.

    Returns:
        dict: ``ckpt`` itself.
    """
    meta = ckpt.get('meta')
    if isinstance(meta, dict):
        for key in ('cfg', 'config', 'distill_cfg'):
            meta.pop(key, None)
    hub = ckpt.get('message_hub')
    if isinstance(hub, dict) and isinstance(hub.get('runtime_info'), dict):
        hub['runtime_info'].pop('cfg', None)
    assert all(get(ckpt) is None for _, get in CONFIG_TEXT_FIELDS)
    return ckpt


def state_dict_of(ckpt: Dict) -> Dict[str, torch.Tensor]:
    state = ckpt.get('state_dict', ckpt)
    if not isinstance(state, dict):
        raise CheckpointError('the checkpoint holds no state_dict')
    return state


def _first(keys: List[str], n: int = 5) -> str:
    more = f' (and {len(keys) - n} more)' if len(keys) > n else ''
    return ', '.join(keys[:n]) + more


def _shape(text: str) -> str:
    """``torch.Size([16, 128])`` -> ``(16, 128)``."""
    return re.sub(r'torch\.Size\(\[(.*?)\]\)', r'(\1)', text)


def _summarise(message: str) -> str:
    """Condense mmengine's strict-load error to the first keys at fault."""
    parts = []
    for label, pattern in (('unexpected keys', r'unexpected key in source '
                            r'state_dict: (.*)'), ('missing keys',
                                                   r'missing keys in source '
                                                   r'state_dict: (.*)')):
        found = re.search(pattern, message)
        if found:
            keys = [k.strip() for k in found.group(1).split(',') if k.strip()]
            parts.append(f'{len(keys)} {label}: {_first(keys)}')
    shapes = re.findall(
        r'size mismatch for (\S+): copying a param with shape (.*?) from '
        r'checkpoint, the shape in current model is (torch\.Size\(\[.*?\]\))',
        message)
    if shapes:
        shown = [
            f'{k} has shape {_shape(c)} in the checkpoint, '
            f'{_shape(m)} in the model' for k, c, m in shapes
        ]
        parts.append(f'{len(shapes)} shape mismatches: {_first(shown, 3)}')
    return '; '.join(parts) or message.strip()[:500]


def _hint(state_keys: List[str], model_keys: List[str]) -> str:
    ckpt_distill = any(k.startswith(DISTILL_PREFIXES) for k in state_keys)
    model_distill = any(k.startswith(DISTILL_PREFIXES) for k in model_keys)
    if ckpt_distill and not model_distill:
        return (' It is a distillation checkpoint: extract the student with '
                f'`python {CONVERTER} SRC DST` and load DST, or use the '
                'distillation config it was trained with.')
    if model_distill and not ckpt_distill:
        return (' It is a classifier checkpoint, the config is a '
                "distillation: use the classifier's own config (a teacher "
                'goes in model.teacher_ckpt).')
    return ''


def load_strictly(model: torch.nn.Module,
                  path: str,
                  what: str,
                  ckpt: Optional[Dict] = None,
                  revise_keys: Optional[List] = None) -> Dict:
    """Load ``path`` into ``model`` strictly; errors name ``what`` and file.

    Uses mmengine's ``_load_checkpoint_to_model`` (the loader of
    ``Runner.load_checkpoint``) with ``strict=True``, so the same keys are
    ignored as there (BN ``num_batches_tracked``) and ``module.`` prefixes
    are stripped (or ``revise_keys`` applied).
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    if ckpt is None:
        ckpt = read_checkpoint(path, what)
    state = state_dict_of(ckpt)
    try:
        _load_checkpoint_to_model(
            model, {'state_dict': dict(state)},
            strict=True,
            revise_keys=revise_keys or REVISE_KEYS)
    except RuntimeError as e:
        keys = [re.sub(r'^module\.', '', k) for k in state]
        raise CheckpointError(
            f'{what}: checkpoint {path!r} does not fit the model: '
            f'{_summarise(str(e))}.'
            f'{_hint(keys, list(model.state_dict()))}') from None
    return ckpt


def build_for_check(model_cfg: Any, scope: str) -> torch.nn.Module:
    """Build a model config without loading or initialising weights.

    Pretrained ``init_cfg`` entries and a distillation teacher checkpoint
    are dropped: only the architecture matters for a fit check.
    """
    import copy

    from mmengine.registry import DefaultScope
    cfg = copy.deepcopy(dict(model_cfg))
    cfg.pop('init_cfg', None)
    if 'teacher_ckpt' in cfg:
        cfg['teacher_ckpt'] = None
    for sub in ('backbone', 'architecture', 'teacher'):
        if isinstance(cfg.get(sub), dict):
            cfg[sub] = dict(cfg[sub])
            cfg[sub].pop('init_cfg', None)
            if isinstance(cfg[sub].get('backbone'), dict):
                cfg[sub]['backbone'] = dict(cfg[sub]['backbone'])
                cfg[sub]['backbone'].pop('init_cfg', None)
    scope = cfg.get('_scope_', scope)
    if scope == 'mmrazor':
        from mmrazor.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(cfg)


def check_fits(model_cfg: Any,
               path: str,
               what: str,
               scope: str = 'mmpretrain') -> None:
    """``path`` loads strictly into the model ``model_cfg`` describes."""
    load_strictly(build_for_check(model_cfg, scope), path, what)
