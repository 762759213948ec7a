"""Class names for pictures: from a checkpoint, else from a config.

A checkpoint written by a training run stores the dataset's classes
(``meta['dataset_meta']['classes']``), in the order the model was trained
on; that is the most reliable source. Otherwise the config's dataset
declares them (``classes=[...]``, ``metainfo=dict(classes=[...])`` or a
class-list file), or its dataset type's default ``METAINFO`` (COCO's 80,
VOC's 20), which is used only when its length matches the model's.
"""
import os.path as osp
from typing import List, Optional, Tuple


def checkpoint_classes(path: str) -> Optional[List[str]]:
    """``meta['dataset_meta']['classes']`` of a checkpoint, or None."""
    from mmlkd.utils.checkpoint_loading import read_checkpoint
    meta = read_checkpoint(path, 'class names', mmap=True).get('meta')
    classes = ((meta or {}).get('dataset_meta') or {}).get('classes') \
        if isinstance(meta, dict) else None
    return [str(c) for c in classes] if classes else None


def _declared(dataset_cfg) -> Optional[List[str]]:
    if not isinstance(dataset_cfg, dict):
        return None
    for key in ('dataset', 'datasets'):  # wrappers: the first inner one
        inner = dataset_cfg.get(key)
        if isinstance(inner, (list, tuple)) and inner:
            inner = inner[0]
        if isinstance(inner, dict):
            return _declared(inner)
    classes = dataset_cfg.get('classes') or (dataset_cfg.get('metainfo')
                                             or {}).get('classes')
    if isinstance(classes, str):  # a class-list file, one name a line
        path = classes if osp.isabs(classes) else osp.join(
            dataset_cfg.get('data_root') or '', classes)
        if not osp.isfile(path):
            return None
        with open(path, encoding='utf-8') as f:
            return [line.strip() for line in f if line.strip()]
    return [str(c) for c in classes] if classes else None


def config_classes(cfg,
                   num_classes: Optional[int] = None) -> Optional[List[str]]:
    """Classes a config's test (else val, train) dataset declares.

    Falls back to the dataset type's ``METAINFO`` only when it has
    ``num_classes`` entries (a 5-class config of ``CocoMultiLabel`` is not
    COCO's 80).
    """
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset_cfg = (cfg.get(loader) or {}).get('dataset')
        names = _declared(dataset_cfg)
        if names:
            return names
    dataset_cfg = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    if dataset_cfg.get('type') and num_classes:
        from mmpretrain.registry import DATASETS
        try:
            ds_cls = DATASETS.get(dataset_cfg['type'])
        except Exception:  # noqa: BLE001  (unknown or unregistered type)
            ds_cls = None
        names = getattr(ds_cls, 'METAINFO', {}).get('classes')
        if names and len(names) == num_classes:
            return [str(c) for c in names]
    return None


def class_names(num_classes: int,
                checkpoint: Optional[str] = None,
                cfg=None,
                what: str = 'class names') -> Tuple[List[str], str]:
    """``num_classes`` names and where they came from.

    The checkpoint's stored classes first, then the config's; indices when
    neither names them. A source naming a different number of classes is an
    error (the wrong checkpoint or config).
    """
    for source, names in (
        (f'checkpoint {checkpoint}',
         checkpoint_classes(checkpoint) if checkpoint else None),
        ('config',
         config_classes(cfg, num_classes) if cfg is not None else None)):
        if names is None:
            continue
        if len(names) != num_classes:
            raise ValueError(
                f'{what}: the {source} names {len(names)} classes, the '
                f'model / predictions have {num_classes}')
        return names, source
    return [str(i) for i in range(num_classes)], 'indices'
