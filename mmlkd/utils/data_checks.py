"""Checks of the built datasets against the model, before the first iteration.

The runner would find these mistakes late or never: a dataset of 4 classes
trains a 16-class model without complaint, a label beyond the head's
classes fails inside the loss at the first iteration with a message that
names nothing, a corrupt image crashes mid-epoch, an empty dataset dies in
numpy ("need at least one array to concatenate"). Here the dataloaders are
built early (the runner reuses them) and every problem is named: the config
field, the dataset and its annotation file, the image.
"""
import logging
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmlkd.datasets.utils import base_datasets, describe
from .class_checks import check_checkpoint_classes
from .config_checks import class_count_fields
from .errors import ConfigError

LOOPS = {
    'train': 'train_dataloader',
    'val': 'val_dataloader',
    'test': 'test_dataloader'
}


def _labels(info: Dict) -> List[int]:
    gt = info.get('gt_label')
    if gt is None:
        return []
    if isinstance(gt, (int, np.integer)):
        return [int(gt)]
    return [int(x) for x in np.asarray(gt).reshape(-1)]


def _entry(info: Dict, idx: int) -> str:
    name = info.get('img_path') or info.get('sample_idx', idx)
    return f'entry {idx} ({name})'


def check_dataset_classes(dataset: Any, field: str, counts: Dict[str,
                                                                 int]) -> None:
    """``dataset`` has the model's class count and no label beyond it.

    ``counts`` maps config fields to their ``num_classes`` (all equal, as
    ``check_class_counts`` ensured).
    """
    if not counts:
        return
    n = next(iter(counts.values()))
    fields = ', '.join(f'{k}={v}' for k, v in counts.items())
    for ds in base_datasets(dataset):
        if not hasattr(ds, 'get_data_info'):
            continue
        bad_label = None
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            out = [x for x in _labels(info) if not 0 <= x < n]
            if out:
                bad_label = f'{_entry(info, i)} has label {out[0]}'
                break
        classes = (getattr(ds, 'metainfo', None) or {}).get('classes')
        if classes is not None and len(classes) != n:
            example = f'; e.g. {bad_label}' if bad_label else ''
            raise ConfigError(
                f'{field}: {describe(ds)} has {len(classes)} classes but the '
                f'model predicts {n} ({fields}){example}. Either set '
                f'{", ".join(counts)} to {len(classes)} (every one of them), '
                f'or give the dataset the model\'s {n} classes with '
                f'{field}.classes=[...] (the names, in label order)')
        if bad_label:
            raise ConfigError(
                f'{field}: in {describe(ds)}, {bad_label}, outside the '
                f'{n} classes of the model ({fields})')


# Above this many pixels a decoded image costs hundreds of MB in each data
# worker (12000 x 12000 x 3 bytes is 432 MB before any copy); usually a
# scan or a panorama that pre-resizing (tools/dataset_converters/
# preresize_images.py) would make cheap.
LARGE_IMAGE_PIXELS = 50_000_000


def _image_problem(
        path: str,
        read: bool,
        large: Optional[List[Tuple[str, str]]] = None) -> Optional[str]:
    from mmengine.fileio import get, get_file_backend
    backend = get_file_backend(path, enable_singleton=True)
    local = type(backend).__name__ == 'LocalBackend'
    if local:
        if not osp.isfile(path):
            return 'missing'
        if os.path.getsize(path) == 0:
            return 'zero-byte file'
    if not read:
        return None
    try:
        content = get(path)
    except Exception as e:  # any backend failure is a named problem
        return f'cannot be read ({type(e).__name__}: {e})'
    if not content:
        return 'zero-byte file'
    import mmcv
    try:
        img = mmcv.imfrombytes(content, flag='color')
    except Exception as e:  # cv2.error on some corrupt headers
        return f'not a decodable image ({type(e).__name__})'
    if img is None:
        return 'not a decodable image'
    if img.size == 0:
        return 'empty image (no pixels)'
    if large is not None and img.shape[0] * img.shape[1] > LARGE_IMAGE_PIXELS:
        large.append((path, f'{img.shape[1]}x{img.shape[0]}'))
    return None


def find_bad_images(dataset: Any, read: bool = False) -> List[Tuple[str, str]]:
    """Every image of ``dataset`` that is missing, zero-byte or (with
    ``read``) undecodable or empty, as ``(path, problem)``.

    Without ``read`` only local files are stat-ed (cheap); with it every
    image is read and decoded once. In-memory images (``img`` arrays) are
    checked for being empty.
    """
    from mmengine.logging import print_log
    from mmengine.utils import ProgressBar
    bad: List[Tuple[str, str]] = []
    large: List[Tuple[str, str]] = []
    for ds in base_datasets(dataset):
        if not hasattr(ds, 'get_data_info'):
            continue
        # Reading every image of a real dataset takes minutes.
        bar = ProgressBar(len(ds)) if read and len(ds) >= 1000 else None
        for i in range(len(ds)):
            if bar is not None:
                bar.update()
            info = ds.get_data_info(i)
            if info.get('img_path'):
                problem = _image_problem(info['img_path'], read, large)
                if problem:
                    bad.append((info['img_path'], problem))
            elif read and isinstance(info.get('img'), np.ndarray) and \
                    info['img'].size == 0:
                bad.append((f'{describe(ds)} {_entry(info, i)}',
                            'empty image (no pixels)'))
    if large:
        shown = ', '.join(f'{p} ({size})' for p, size in large[:5])
        print_log(
            f'{len(large)} images of {describe(dataset)} have more than '
            f'{LARGE_IMAGE_PIXELS // 1_000_000} million pixels, e.g. {shown}: '
            'each costs hundreds of MB to decode in every data worker; '
            'consider tools/dataset_converters/preresize_images.py',
            logger='current',
            level=logging.WARNING)
    return bad


def report_bad_images(bad: Sequence[Tuple[str, str]],
                      field: str,
                      dataset: Any,
                      work_dir: Optional[str] = None) -> None:
    """Raise naming every bad image (the full list also goes to a file)."""
    if not bad:
        return
    lines = [f'{path}: {problem}' for path, problem in bad]
    listing = ''
    if work_dir:
        os.makedirs(work_dir, exist_ok=True)
        listing = osp.join(work_dir, f'bad_images_{field}.txt')
        with open(listing, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        listing = f' (list in {listing})'
    shown = lines[:100]
    more = [f'... and {len(lines) - 100} more'] if len(lines) > 100 else []
    raise ConfigError(
        f'{field}: {len(bad)} bad images in {describe(dataset)}{listing}:\n' +
        '\n'.join(shown + more))


def _build_loop(runner: Any, loop: str) -> Any:
    field = LOOPS[loop]
    try:
        return getattr(runner, f'{loop}_loop')
    except ValueError as e:
        if 'need at least one array to concatenate' not in str(e):
            raise
        ds_cfg = (runner.cfg.get(field) or {}).get('dataset', {})
        shown = {
            k: ds_cfg.get(k)
            for k in ('type', 'data_root', 'ann_file') if ds_cfg.get(k)
        }
        raise ConfigError(f'{field}.dataset is empty: {shown} yields no '
                          'samples') from None


def check_data(runner: Any,
               loops: Sequence[str] = ('train', 'val'),
               read_images: bool = False,
               load_from_what: Optional[str] = None) -> None:
    """Build the dataloaders of ``loops`` and check their datasets.

    Class counts and labels are compared with the model's ``num_classes``;
    missing and zero-byte image files are found by a stat of each (cheap);
    with ``read_images`` (``tools/train.py --check-data``) every image is
    also read and decoded once. All bad images are named, not just the first.
    The class names (and order) stored in the checkpoints the run reads
    (``model.teacher_ckpt``, ``load_from``/``--resume``; ``load_from_what``
    names the latter in messages) are compared with each dataset's
    (:func:`mmlkd.utils.class_checks.check_checkpoint_classes`).
    """
    cfg = runner.cfg
    counts = class_count_fields(cfg)
    built_datasets = []
    for loop in loops:
        field = LOOPS[loop]
        if not cfg.get(field):
            continue
        built = _build_loop(runner, loop)
        if built is None:
            continue
        dataset = built.dataloader.dataset
        check_dataset_classes(dataset, f'{field}.dataset', counts)
        built_datasets.append((f'{field}.dataset', dataset))
    check_checkpoint_classes(cfg, built_datasets, load_from_what)
    for field, dataset in built_datasets:
        report_bad_images(
            find_bad_images(dataset, read_images), field, dataset,
            cfg.get('work_dir'))
