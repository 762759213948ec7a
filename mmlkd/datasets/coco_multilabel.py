"""CocoMultiLabel: MS-COCO 2014 as a multi-label classification dataset."""
import os.path as osp
from typing import Any, Dict, List, Sequence

from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .utils import (check_file_names, check_image_files, check_not_empty,
                    load_json)

# The 80 COCO categories in category-id order (ids 1..90 with gaps).
COCO_CATEGORIES = ('person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus',
                   'train', 'truck', 'boat', 'traffic light', 'fire hydrant',
                   'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
                   'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                   'giraffe', 'backpack', 'umbrella', 'handbag', 'tie',
                   'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball',
                   'kite', 'baseball bat', 'baseball glove', 'skateboard',
                   'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup',
                   'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
                   'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog',
                   'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
                   'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse',
                   'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
                   'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase',
                   'scissors', 'teddy bear', 'hair drier', 'toothbrush')


@DATASETS.register_module()
class CocoMultiLabel(MultiLabelDataset):
    """MS-COCO (2014) multi-label classification.

    The labels of an image are the categories of its object annotations
    (crowd annotations included); an image without any annotation has no
    label and is dropped unless ``drop_empty=False``. On the official data
    this gives 82,081 train2014 and 40,137 val2014 images.

    Two annotation formats are read, detected from the file's content:

    * the official ``instances_{train,val}2014.json`` (``images``,
      ``annotations``, ``categories``);
    * a list ``[{"file_name": "...", "labels": [...]}, ...]`` (written by
      ``tools/dataset_converters/coco_instances_to_list.py``), labels being
      class names, or indices into this dataset's final class order.

    Class order (``metainfo['classes']``, the index of each label):

    * ``class_order='id'`` (default): COCO category-id order (``person``,
      ``bicycle``, ..., ``toothbrush``) as in ML-GCN / ASL; with the official
      file the categories are read from it, sorted by id.
    * ``class_order='alphabetical'``: names sorted alphabetically
      (``airplane``, ``apple``, ..., ``zebra``) as in the L2D reference code.

    Passing ``classes`` (or ``metainfo=dict(classes=...)``) keeps only those
    classes, in that order (or sorted with ``'alphabetical'``). With the
    official file a name that is not one of its categories raises an error;
    with a list file ``classes`` may be your own names, labels naming other
    classes are left out (and logged), and a listed class that no image has
    is an error when labels were left out (a misspelling, most likely) and
    a warning otherwise.

    Args:
        ann_file: the annotation file, relative to ``data_root``.
        data_root: dataset root, e.g. ``data/coco/``.
        data_prefix: image folder, e.g. ``dict(img_path='train2014/')``.
        class_order: ``'id'`` or ``'alphabetical'``.
        drop_empty: drop images without any label (default True).
        check_files: check at load time that every image file exists, so a
            missing file fails before training starts, not mid-epoch.
        **kwargs: the other arguments of mmpretrain's ``BaseDataset``.
    """

    METAINFO = {'classes': COCO_CATEGORIES}

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Any = '',
                 class_order: str = 'id',
                 drop_empty: bool = True,
                 check_files: bool = True,
                 **kwargs) -> None:
        if class_order not in ('id', 'alphabetical'):
            raise ValueError("CocoMultiLabel: class_order must be 'id' or "
                             f"'alphabetical', got {class_order!r}")
        self.class_order = class_order
        self.drop_empty = drop_empty
        self.check_files = check_files
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def _explicit_classes(self) -> bool:
        return tuple(self._metainfo['classes']) != COCO_CATEGORIES

    def _final_classes(self, names: Sequence[str]) -> List[str]:
        classes = list(names)
        if self.class_order == 'alphabetical':
            classes = sorted(classes)
        self._metainfo['classes'] = tuple(classes)
        return classes

    def _from_instances(self, ann: Dict) -> List[Dict]:
        path = self.ann_file
        for key in ('images', 'annotations', 'categories'):
            if not isinstance(ann.get(key), list):
                raise ValueError(f'CocoMultiLabel: {path}: field {key!r} '
                                 'missing or not a list')
        try:
            cats = sorted(
                ((int(c['id']), str(c['name'])) for c in ann['categories']))
            images = [(int(im['id']), str(im['file_name']))
                      for im in ann['images']]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(
                f'CocoMultiLabel: {path}: malformed categories/images entry '
                f'(field {e})') from None
        names_by_id = dict(cats)
        if self._explicit_classes():
            known = set(names_by_id.values())
            unknown = [c for c in self._metainfo['classes'] if c not in known]
            if unknown:
                raise ValueError(f'CocoMultiLabel: classes {unknown} are not '
                                 f'categories of {path}')
            base = list(self._metainfo['classes'])
        else:
            base = [name for _, name in cats]
        classes = self._final_classes(base)
        index = {name: i for i, name in enumerate(classes)}
        label_of_cat = {
            cid: index[name]
            for cid, name in names_by_id.items() if name in index
        }

        labels: Dict[int, set] = {img_id: set() for img_id, _ in images}
        for k, a in enumerate(ann['annotations']):
            try:
                img_id, cat_id = int(a['image_id']), int(a['category_id'])
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(
                    f'CocoMultiLabel: {path}: annotation {k} has no valid '
                    f'{e} field') from None
            if img_id not in labels:
                raise ValueError(
                    f'CocoMultiLabel: {path}: annotation {k} refers to '
                    f'image_id {img_id}, which is not in "images"')
            if cat_id not in names_by_id:
                raise ValueError(
                    f'CocoMultiLabel: {path}: annotation {k} has category_id '
                    f'{cat_id}, which is not in "categories"')
            if cat_id in label_of_cat:
                labels[img_id].add(label_of_cat[cat_id])
        return [
            dict(file_name=name, gt_label=sorted(labels[img_id]))
            for img_id, name in images
        ]

    def _from_list(self, ann: List) -> List[Dict]:
        path = self.ann_file
        subset = self._explicit_classes()
        classes = self._final_classes(self._metainfo['classes'])
        index = {name: i for i, name in enumerate(classes)}
        out = []
        # With an explicit `classes` subset, labels naming other classes are
        # left out (counted, and logged); a listed class never seen is an
        # error (a misspelt class would otherwise be all-negative).
        dropped: Dict[str, int] = {}
        seen, named = set(), False
        for k, item in enumerate(ann):
            if not isinstance(item, dict) or 'file_name' not in item or \
                    not isinstance(item.get('labels'), list):
                raise ValueError(
                    f'CocoMultiLabel: {path}: entry {k} must be a dict with '
                    f'"file_name" and a "labels" list, got {str(item)[:80]}')
            name = item['file_name']
            gt = set()
            for label in item['labels']:
                if isinstance(label, str):
                    named = True
                    if label in index:
                        gt.add(index[label])
                    elif subset:
                        dropped[label] = dropped.get(label, 0) + 1
                    else:
                        raise ValueError(
                            f'CocoMultiLabel: {path}: image {name!r} has '
                            f'label {label!r}, not one of the {len(classes)} '
                            'classes (set `classes` to your own class names)')
                elif isinstance(label, int) and not isinstance(label, bool):
                    if not 0 <= label < len(classes):
                        raise ValueError(
                            f'CocoMultiLabel: {path}: image {name!r} has '
                            f'label {label} out of range [0, {len(classes)})')
                    gt.add(label)
                else:
                    raise ValueError(
                        f'CocoMultiLabel: {path}: image {name!r} has label '
                        f'{label!r}; labels are class names or indices')
            seen |= gt
            out.append(dict(file_name=name, gt_label=sorted(gt)))
        never = [c for i, c in enumerate(classes) if i not in seen]
        if subset and dropped and never:
            # Labels were left out and a listed class matched none: a
            # misspelling of one of them, most likely.
            raise ValueError(
                f'CocoMultiLabel: classes {never} never occur in {path} '
                f'(its other labels: {sorted(dropped)[:10]}); check their '
                'spelling')
        if subset and named and never:
            from mmengine.logging import MMLogger
            MMLogger.get_current_instance().warning(
                f'CocoMultiLabel: classes {never} have no image in {path} '
                '(their AP is not defined on it)')
        if subset and dropped:
            from mmengine.logging import MMLogger
            MMLogger.get_current_instance().info(
                f'CocoMultiLabel: {path}: keeping the {len(classes)} classes '
                f'given; {sum(dropped.values())} labels of '
                f'{len(dropped)} other classes left out '
                f'({", ".join(sorted(dropped)[:5])}, ...)')
        return out

    def load_data_list(self) -> List[Dict]:
        """Read the annotations into ``img_path`` / ``gt_label`` records."""
        ann = load_json(self.ann_file, 'CocoMultiLabel')
        if isinstance(ann, dict) and 'annotations' in ann:
            items = self._from_instances(ann)
        elif isinstance(ann, list):
            items = self._from_list(ann)
        else:
            raise ValueError(
                f'CocoMultiLabel: {self.ann_file} is neither a COCO instances '
                'file (a dict with "images", "annotations", "categories") '
                'nor a list of {"file_name", "labels"} entries')
        check_file_names('CocoMultiLabel', [it['file_name'] for it in items],
                         self.ann_file)
        total = len(items)
        if self.drop_empty:
            items = [it for it in items if it['gt_label']]
        check_not_empty(
            'CocoMultiLabel', items, self.ann_file,
            f' ({total} images, all without labels dropped by drop_empty)'
            if total else '')
        data_list = [
            dict(
                img_path=osp.join(self.img_prefix, it['file_name']),
                gt_label=it['gt_label']) for it in items
        ]
        if self.check_files:
            check_image_files('CocoMultiLabel', data_list, self.ann_file)
        return data_list

    def extra_repr(self) -> List[str]:
        return [
            f'Annotation file: \t{self.ann_file}',
            f'Prefix of images: \t{self.img_prefix}',
            f'Class order: \t{self.class_order}',
        ]
