"""Distillation losses (registered in mmrazor MODELS on import)."""
from .cam_distill_loss import CAMDistillLoss
from .mld_loss import MLDLoss

__all__ = ['CAMDistillLoss', 'MLDLoss']
