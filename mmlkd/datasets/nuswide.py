"""NUSWIDE: NUS-WIDE with its 81 concepts as a multi-label dataset."""
import os.path as osp
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.fileio import get_file_backend
from mmengine.logging import MMLogger
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .utils import check_file_names, check_image_files, check_not_empty


@DATASETS.register_module()
class NUSWIDE(MultiLabelDataset):
    """NUS-WIDE multi-label classification on the 81 concepts.

    Reads the official layout under ``data_root``::

        Concepts81.txt                       one concept per line
        ImageList/TrainImagelist.txt         e.g. actor\\0001_2124494179.jpg
        ImageList/TestImagelist.txt
        TrainTestLabels/Labels_<concept>_Train.txt   one 0/1 per image line
        TrainTestLabels/Labels_<concept>_Test.txt
        Flickr/<folder>/<file>.jpg           the images (``data_prefix``)

    Class order is the order of ``Concepts81.txt``; ``classes`` selects a
    subset (in the given order) and a name that is not a concept raises an
    error. Image list paths use Windows separators in the official files;
    they are converted.

    Args:
        data_root: dataset root, e.g. ``data/nus-wide/``.
        split: ``'train'`` or ``'test'``.
        ann_file: the concept list, relative to ``data_root``.
        data_prefix: image folder, ``dict(img_path='Flickr')`` by default.
        drop_empty: drop images with none of the classes (default False:
            they are valid negatives for every concept).
        check_files: check at load time that every image exists.
        skip_missing: with ``check_files``, drop missing images (many Flickr
            URLs of NUS-WIDE are dead, so copies often lack some) with a
            warning stating how many, instead of raising.
        **kwargs: the other arguments of mmpretrain's ``BaseDataset``.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: str = 'Concepts81.txt',
                 data_prefix: Any = dict(img_path='Flickr'),
                 drop_empty: bool = False,
                 check_files: bool = True,
                 skip_missing: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError("NUSWIDE: split must be 'train' or 'test', got "
                             f'{split!r}')
        self.split = split
        self.drop_empty = drop_empty
        self.check_files = check_files
        self.skip_missing = skip_missing
        self._user_classes = None
        classes = kwargs.pop('classes', None)
        if classes is not None or (metainfo or {}).get('classes'):
            self._user_classes = list(
                classes if classes is not None else metainfo['classes'])
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            metainfo=metainfo,
            classes=classes,
            **kwargs)

    def _read_lines(self, path: str, what: str) -> List[str]:
        backend = get_file_backend(path, enable_singleton=True)
        if not backend.exists(path):
            raise FileNotFoundError(f'NUSWIDE: {what} {path} not found')
        return [
            ln.strip() for ln in backend.get_text(path).splitlines()
            if ln.strip()
        ]

    def _read_labels(self, path: str, n_images: int) -> np.ndarray:
        tokens = self._read_lines(path, 'label file')
        try:
            values = np.array([int(t.split()[0]) for t in tokens])
        except ValueError:
            bad = next(i for i, t in enumerate(tokens)
                       if not t.split()[0].lstrip('-').isdigit())
            raise ValueError(f'NUSWIDE: {path} line {bad + 1}: '
                             f'{tokens[bad]!r} is not 0 or 1') from None
        if len(values) != n_images:
            raise ValueError(
                f'NUSWIDE: {path} has {len(values)} labels but the image '
                f'list has {n_images} images')
        bad = np.flatnonzero((values != 0) & (values != 1))
        if len(bad):
            raise ValueError(f'NUSWIDE: {path} line {bad[0] + 1}: value '
                             f'{values[bad[0]]} is not 0 or 1')
        return values.astype(bool)

    def load_data_list(self) -> List[Dict]:
        """Read the image list and one label file per concept."""
        concepts = self._read_lines(self.ann_file, 'concept list')
        if self._user_classes is not None:
            unknown = [c for c in self._user_classes if c not in concepts]
            if unknown:
                raise ValueError(f'NUSWIDE: unknown concepts {unknown}: not '
                                 f'in {self.ann_file}')
            classes = self._user_classes
        else:
            classes = concepts
        self._metainfo['classes'] = tuple(classes)

        tag = 'Train' if self.split == 'train' else 'Test'
        list_file = osp.join(self.data_root, 'ImageList',
                             f'{tag}Imagelist.txt')
        names = [
            n.replace('\\', '/')
            for n in self._read_lines(list_file, 'image list')
        ]
        check_file_names('NUSWIDE', names, list_file)
        labels = np.stack([
            self._read_labels(
                osp.join(self.data_root, 'TrainTestLabels',
                         f'Labels_{c}_{tag}.txt'), len(names)) for c in classes
        ],
                          axis=1) if classes else np.zeros(
                              (len(names), 0), bool)

        data_list = [
            dict(
                img_path=osp.join(self.img_prefix, name),
                gt_label=np.flatnonzero(row).tolist())
            for name, row in zip(names, labels)
        ]
        if self.drop_empty:
            data_list = [d for d in data_list if d['gt_label']]
        check_not_empty('NUSWIDE', data_list, list_file,
                        ' (drop_empty=True)' if self.drop_empty else '')
        if self.check_files:
            if self.skip_missing:
                backend = get_file_backend(
                    self.img_prefix, enable_singleton=True)
                kept = [d for d in data_list if backend.exists(d['img_path'])]
                if len(kept) < len(data_list):
                    MMLogger.get_current_instance().warning(
                        f'NUSWIDE: {len(data_list) - len(kept)} of '
                        f'{len(data_list)} images of {list_file} are missing '
                        'and skipped')
                data_list = kept
                check_not_empty('NUSWIDE', data_list, list_file,
                                ' (every image missing, skip_missing=True)')
            else:
                check_image_files('NUSWIDE', data_list, list_file)
        return data_list

    def extra_repr(self) -> List[str]:
        return [
            f'Split: \t{self.split}',
            f'Concept list: \t{self.ann_file}',
            f'Prefix of images: \t{self.img_prefix}',
        ]
