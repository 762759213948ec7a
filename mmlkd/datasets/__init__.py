"""Multi-label datasets (registered in mmpretrain DATASETS on import)."""
from .coco_multilabel import COCO_CATEGORIES, CocoMultiLabel
from .nuswide import NUSWIDE
from .transforms import MergeDifficultLabels

__all__ = ['COCO_CATEGORIES', 'CocoMultiLabel', 'NUSWIDE',
           'MergeDifficultLabels']
