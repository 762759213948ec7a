"""Data transforms (registered in mmpretrain TRANSFORMS on import)."""
from .cutout_pil import CutoutPIL
from .load_image_pil import LoadImagePIL
from .merge_difficult_labels import MergeDifficultLabels
from .pil_resize import PILResize
from .randaugment_pil import RandAugmentPIL

__all__ = [
    'CutoutPIL', 'LoadImagePIL', 'MergeDifficultLabels', 'PILResize',
    'RandAugmentPIL'
]
