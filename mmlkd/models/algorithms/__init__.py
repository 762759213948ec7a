"""mmlkd algorithms (registered on import)."""
from .stkd_distill import STKDDistill

__all__ = ['STKDDistill']
