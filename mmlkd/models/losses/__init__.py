"""Distillation losses (registered in mmrazor MODELS on import)."""
from .led_loss import LEDLoss
from .mld_loss import MLDLoss

__all__ = ['LEDLoss', 'MLDLoss']
