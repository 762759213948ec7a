"""The class list as one fact: checkpoints against datasets.

A label is an index into the dataset's class list (``metainfo['classes']``).
A model trained on one order and used with another scores every label
against the wrong output, silently: only the metrics drop. mmengine stores
the training dataset's class list in every checkpoint it writes
(``meta['dataset_meta']['classes']``), so before a run the checkpoints it
reads (``model.teacher_ckpt``, ``load_from``, ``--resume``,
``tools/test.py``'s and ``tools/inference.py``'s CHECKPOINT) are compared
with the dataset's list, name by name:

* other names or another order: an error naming the first mismatches
  (``index: checkpoint name vs dataset name``) and the fix;
* a checkpoint without stored classes (written by hand, converted from
  another toolbox, or old): a warning, as nothing can be compared.

The class count of the model is a separate check
(:func:`mmlkd.utils.config_checks.check_class_counts`); the fields that must
all describe the same list are named in the hint.
"""
import logging
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from mmlkd.datasets.utils import base_datasets, describe
from .errors import ConfigError

# The first mismatches an error names.
SHOWN = 5


class ClassOrderError(ConfigError):
    """A checkpoint's classes differ from the dataset's (names or order)."""


def stored_classes(ckpt: Mapping) -> Optional[List[str]]:
    """``meta['dataset_meta']['classes']`` of a loaded checkpoint, or None."""
    meta = ckpt.get('meta') if isinstance(ckpt, Mapping) else None
    dataset_meta = meta.get('dataset_meta') if isinstance(meta,
                                                          Mapping) else None
    classes = dataset_meta.get('classes') if isinstance(dataset_meta,
                                                        Mapping) else None
    if classes is None:
        return None
    return [str(c) for c in classes]


def checkpoint_classes(path: str, what: str) -> Optional[List[str]]:
    """The class list stored in the checkpoint ``path`` (tensors mapped,
    not read), or None when it stores none."""
    from .checkpoint_loading import read_checkpoint
    return stored_classes(read_checkpoint(path, what, mmap=True))


def _shown(name: str) -> str:
    return repr(name)


def mismatches(ckpt_classes: Sequence[str],
               dataset_classes: Sequence[str]) -> List[Tuple[int, str, str]]:
    """``(index, checkpoint name, dataset name)`` of every differing index;
    a missing name (lists of other lengths) is ``'-'``."""
    out = []
    for i in range(max(len(ckpt_classes), len(dataset_classes))):
        a = ckpt_classes[i] if i < len(ckpt_classes) else '-'
        b = dataset_classes[i] if i < len(dataset_classes) else '-'
        if a != b:
            out.append((i, a, b))
    return out


def class_fields(cfg: Any = None) -> List[str]:
    """The config fields that must all describe the dataset's class list."""
    fields = []
    if cfg is not None:
        from .config_checks import class_count_fields
        fields = list(class_count_fields(cfg))
    return fields or [
        'model.data_preprocessor.num_classes', 'model.head.num_classes'
    ]


def _fix(field: str, dataset: Any, ckpt_classes: Sequence[str],
         dataset_classes: Sequence[str], cfg: Any) -> str:
    same_names = sorted(ckpt_classes) == sorted(dataset_classes)
    parts = []
    if same_names:
        if list(ckpt_classes) == sorted(ckpt_classes):
            order = 'alphabetical'
        else:
            order = 'id'
        if type(dataset).__name__ == 'CocoMultiLabel':
            parts.append(f"set {field}.class_order='{order}' (the "
                         "checkpoint's order)")
        else:
            parts.append(f"set {field}.class_order='alphabetical'/'id' "
                         '(CocoMultiLabel) to the order the checkpoint was '
                         'trained with')
    listed = ', '.join(repr(c) for c in ckpt_classes[:4])
    more = ', ...' if len(ckpt_classes) > 4 else ''
    parts.append(f'give {field}.classes=[{listed}{more}] in the '
                 f"checkpoint's order (its {len(ckpt_classes)} names)")
    if not same_names:
        parts.append('use the checkpoint trained on these classes')
    fields = ', '.join(class_fields(cfg))
    return ('; or '.join(parts) + f'. The class list is one fact: the '
            f'dataset\'s classes, and {fields} (the data preprocessor, the '
            'student head and the teacher head) must all describe it')


def compare_classes(ckpt_classes: Optional[Sequence[str]],
                    dataset_classes: Optional[Sequence[str]],
                    what: str,
                    path: str,
                    field: str,
                    dataset: Any = None,
                    cfg: Any = None) -> Optional[str]:
    """Raise :class:`ClassOrderError` when the lists differ.

    Returns a warning text when nothing can be compared because the
    checkpoint stores no classes (None when the lists agree, or when the
    dataset states none).
    """
    if dataset_classes is None:
        return None
    if ckpt_classes is None:
        return (f'{what}: {path!r} stores no class names (meta.dataset_meta.'
                'classes: an old, hand-made or converted checkpoint), so '
                f"its class order cannot be compared with {field}'s "
                f'{len(dataset_classes)} classes; make sure it was trained '
                'on the same classes in the same order')
    bad = mismatches(list(ckpt_classes), list(dataset_classes))
    if not bad:
        return None
    kind = ('the same names in another order' if sorted(ckpt_classes)
            == sorted(dataset_classes) else 'other class names')
    shown = '; '.join(f'{i}: {_shown(a)} vs {_shown(b)}'
                      for i, a, b in bad[:SHOWN])
    more = f' (and {len(bad) - SHOWN} more)' if len(bad) > SHOWN else ''
    desc = field
    if dataset is not None:
        desc = f'{field} ({describe(dataset)})'
    raise ClassOrderError(
        f'{what}: {path!r} was trained on {len(ckpt_classes)} classes that '
        f'differ from the {len(dataset_classes)} of {desc}: {kind}; first '
        f'mismatches (index: checkpoint name vs dataset name): {shown}{more}.'
        f' Labels would be scored against the wrong outputs. To fix: '
        f'{_fix(field, dataset, ckpt_classes, dataset_classes, cfg)}')


def _warn(text: Optional[str]) -> None:
    if text:
        from mmengine.logging import print_log
        print_log(text, logger='current', level=logging.WARNING)


def run_checkpoints(
        cfg: Any,
        load_from_what: Optional[str] = None) -> List[Tuple[str, str]]:
    """``(what, path)`` of the local checkpoints a run of ``cfg`` reads.

    ``model.teacher_ckpt`` of a distillation, and ``load_from`` (named
    ``--resume`` when resuming, or ``load_from_what``).
    """
    import os.path as osp
    out = []
    model = cfg.get('model') or {}
    teacher = model.get('teacher_ckpt') if isinstance(model, Mapping) else None
    if teacher and '://' not in str(teacher) and osp.isfile(teacher):
        out.append(('model.teacher_ckpt', teacher))
    path = cfg.get('load_from')
    if path and '://' not in str(path) and osp.isfile(path):
        what = load_from_what or ('--resume'
                                  if cfg.get('resume') else 'load_from')
        out.append((what, path))
    return out


def check_checkpoint_classes(cfg: Any,
                             datasets: Sequence[Tuple[str, Any]],
                             load_from_what: Optional[str] = None) -> None:
    """Compare every checkpoint the run reads with each built dataset.

    Args:
        cfg: the run's config.
        datasets: ``(config field, built dataset)`` pairs, e.g.
            ``('train_dataloader.dataset', dataset)``.
        load_from_what: how ``load_from`` is named in messages
            (e.g. ``'tools/test.py CHECKPOINT'``).
    """
    checkpoints = run_checkpoints(cfg, load_from_what)
    if not checkpoints:
        return
    for what, path in checkpoints:
        stored = checkpoint_classes(path, what)
        warned = False
        for field, dataset in datasets:
            for ds in base_datasets(dataset):
                classes = (getattr(ds, 'metainfo', None) or {}).get('classes')
                if classes is None:
                    continue
                note = compare_classes(stored, list(classes), what, path,
                                       field, ds, cfg)
                if note and not warned:
                    _warn(note)
                    warned = True


def config_dataset_classes(dataset_cfg: Mapping) -> Optional[List[str]]:
    """The class list a dataset config declares, without loading data.

    ``metainfo.classes`` or ``classes`` (in the order given, sorted with
    ``class_order='alphabetical'``), else the dataset type's own
    ``METAINFO`` classes; None when the list is only known from the data
    (e.g. stored in the annotation file).
    """
    if not isinstance(dataset_cfg, Mapping):
        return None
    for key in ('dataset', ):  # wrappers (RepeatDataset, ClassBalanced...)
        if isinstance(dataset_cfg.get(key), Mapping):
            return config_dataset_classes(dataset_cfg[key])
    classes = (dataset_cfg.get('metainfo') or {}).get('classes') \
        or dataset_cfg.get('classes')
    if classes is None:
        from mmengine.registry import DATASETS as ENGINE_DATASETS
        from mmpretrain.registry import DATASETS
        dtype = dataset_cfg.get('type')
        cls = dtype if isinstance(dtype, type) else None
        if cls is None and isinstance(dtype, str):
            cls = DATASETS.get(dtype) or ENGINE_DATASETS.get(dtype)
        metainfo = getattr(cls, 'METAINFO', None) or {}
        classes = metainfo.get('classes')
        if classes is None:
            return None
    if isinstance(classes, str):  # a file of names: known after loading
        return None
    classes = [str(c) for c in classes]
    if dataset_cfg.get('class_order') == 'alphabetical':
        classes = sorted(classes)
    return classes


def check_config_classes(cfg: Any,
                         path: str,
                         what: str,
                         ckpt: Optional[Mapping] = None,
                         field: str = 'test_dataloader.dataset') -> None:
    """The checkpoint ``path`` against the classes ``cfg``'s ``field``
    declares (:func:`config_dataset_classes`); for tools that build no
    dataset (``tools/inference.py``)."""
    first, *rest = field.split('.')
    node: Any = cfg.get(first)
    for part in rest:
        node = node.get(part) if isinstance(node, Mapping) else None
    declared = config_dataset_classes(node) if node is not None else None
    if declared is None:
        return
    stored = stored_classes(ckpt) if ckpt is not None else \
        checkpoint_classes(path, what)
    _warn(compare_classes(stored, declared, what, path, field, None, cfg))


__all__: List[str] = [
    'ClassOrderError', 'check_checkpoint_classes', 'check_config_classes',
    'checkpoint_classes', 'compare_classes', 'config_dataset_classes',
    'mismatches', 'run_checkpoints', 'stored_classes'
]
