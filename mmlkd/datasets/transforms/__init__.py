"""Data transforms (registered in mmpretrain TRANSFORMS on import)."""
from .merge_difficult_labels import MergeDifficultLabels

__all__ = ['MergeDifficultLabels']
