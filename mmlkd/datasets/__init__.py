"""Multi-label datasets (registered in mmpretrain DATASETS on import)."""
