"""Load-time checks shared by the multi-label datasets."""
import json
import os.path as osp
from typing import Any, Dict, Iterator, List

from mmengine.fileio import get_file_backend
from mmengine.fileio import load as mmengine_load


def load_json(path: str, who: str) -> Any:
    """Read a JSON annotation file with mmengine's file I/O.

    ``mmengine.fileio.load`` does the reading (any storage backend) and the
    parsing. It is wrapped only for the messages: mmengine reports a missing
    file through the backend and a syntax error as a bare ``JSONDecodeError``
    that names neither the file nor the dataset, so both are re-raised here
    with the dataset (``who``) and the path.
    """
    backend = get_file_backend(path, enable_singleton=True)
    if not backend.exists(path):
        raise FileNotFoundError(f'{who}: annotation file {path} not found')
    try:
        return mmengine_load(path, file_format='json')
    except json.JSONDecodeError as e:
        raise ValueError(
            f'{who}: annotation file {path} is not valid JSON ({e})') from None


def check_not_empty(who: str,
                    data_list: List[Dict],
                    source: str,
                    why: str = '') -> None:
    """Raise if the dataset has no samples (mmengine would fail later in
    numpy with "need at least one array to concatenate")."""
    if not data_list:
        raise ValueError(f'{who}: {source} yields no images{why}')


def check_image_files(who: str, data_list: List[Dict], source: str) -> None:
    """Raise if any ``img_path`` of ``data_list`` does not exist.

    Checked when the dataset is built, so a missing image stops the run
    before training starts instead of failing (or being silently refetched
    by ``BaseDataset``) in the middle of an epoch.
    """
    if not data_list:
        return
    backend = get_file_backend(data_list[0]['img_path'], enable_singleton=True)
    missing = [
        d['img_path'] for d in data_list if not backend.exists(d['img_path'])
    ]
    if missing:
        raise FileNotFoundError(
            f'{who}: {len(missing)} of the {len(data_list)} images listed in '
            f'{source} are missing, e.g. {missing[:3]}; check data_root / '
            'data_prefix, or pass check_files=False')
    if type(backend).__name__ == 'LocalBackend':
        # A zero-byte file would fail mid-epoch inside cv2 without a name.
        empty = [
            d['img_path'] for d in data_list if osp.getsize(d['img_path']) == 0
        ]
        if empty:
            raise ValueError(
                f'{who}: {len(empty)} of the images listed in {source} are '
                'zero-byte files: ' + ', '.join(empty))


def check_file_names(who: str, names: List[str], source: str) -> None:
    """Raise if a listed image is listed twice or lies outside the prefix.

    A duplicate entry is counted twice by the metrics (val mAP moves) and
    trains twice as often, without a word. A ``file_name`` that is absolute
    or climbs out with ``..`` reads files outside ``data_root``: annotation
    lists name images inside the dataset's image folder, so both are
    errors naming the entries.
    """
    escaping = [
        n for n in names
        if osp.isabs(n) or osp.normpath(n).split(osp.sep)[0] == '..'
    ]
    if escaping:
        raise ValueError(
            f'{who}: {source}: {len(escaping)} file names are not inside the '
            f'image folder (absolute, or climbing out with ".."), e.g. '
            f'{escaping[:3]}; list images relative to data_prefix')
    seen, dup = set(), []
    for n in names:
        key = osp.normpath(n)
        if key in seen:
            dup.append(n)
        seen.add(key)
    if dup:
        raise ValueError(
            f'{who}: {source}: {len(dup)} images are listed more than once, '
            f'e.g. {sorted(set(dup))[:3]}; each image must appear once (a '
            'duplicate is trained and scored twice)')


def base_datasets(dataset: Any) -> Iterator[Any]:
    """The datasets under mmengine's wrappers (Concat, Repeat,
    ClassBalanced)."""
    inner = getattr(dataset, 'datasets', None)
    if isinstance(inner, (list, tuple)):
        for d in inner:
            yield from base_datasets(d)
    elif hasattr(dataset, 'dataset') and hasattr(dataset.dataset,
                                                 'get_data_info'):
        yield from base_datasets(dataset.dataset)
    else:
        yield dataset


def describe(dataset: Any) -> str:
    """``CocoMultiLabel (ann_file data/coco/annotations/x.json)``."""
    parts = []
    for attr in ('ann_file', 'data_root'):
        value = getattr(dataset, attr, None)
        if value:
            parts.append(f'{attr} {value}')
    where = f' ({", ".join(parts)})' if parts else ''
    return f'{type(dataset).__name__}{where}'
