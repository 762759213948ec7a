"""Distillation losses (registered in mmrazor MODELS on import)."""
from .mld_loss import MLDLoss

__all__ = ['MLDLoss']
