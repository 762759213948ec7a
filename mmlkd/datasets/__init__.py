"""Multi-label datasets (registered in mmpretrain DATASETS on import)."""
from .coco_multilabel import COCO_CATEGORIES, CocoMultiLabel
from .demo_shapes import DemoShapes
from .nuswide import NUSWIDE
from .transforms import MergeDifficultLabels

__all__ = [
    'COCO_CATEGORIES', 'CocoMultiLabel', 'DemoShapes', 'NUSWIDE',
    'MergeDifficultLabels'
]
