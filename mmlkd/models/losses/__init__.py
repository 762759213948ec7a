"""Distillation losses (registered in mmrazor MODELS on import)."""
from .binary_kd_loss import BinaryKDLoss
from .cam_distill_loss import CAMDistillLoss
from .clkd_loss import CLKDLoss
from .led_loss import LEDLoss
from .mld_loss import MLDLoss
from .partial_softmax_kd_loss import PartialSoftmaxKDLoss
from .pkt_loss import PKTLoss
from .rkd_loss import RKDLoss
from .stkd_loss import STKDLoss

__all__ = [
    'BinaryKDLoss', 'CAMDistillLoss', 'CLKDLoss', 'LEDLoss', 'MLDLoss',
    'PartialSoftmaxKDLoss', 'PKTLoss', 'RKDLoss', 'STKDLoss'
]
