"""Multi-label evaluation (registered in mmpretrain METRICS on import)."""
