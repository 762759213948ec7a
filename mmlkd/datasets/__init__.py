"""Multi-label datasets (registered in mmpretrain DATASETS on import)."""
from .demo_shapes import DemoShapes

__all__ = ['DemoShapes']
