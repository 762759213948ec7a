"""Training-loop machinery: hooks and checkpoint-file checks."""
from . import hooks  # noqa: F401
from .hooks import (ChannelsLastHook, FiniteLossHook, LossGradNormHook,
                    NonFiniteLossError, PairedInitHook, RecipeCardHook,
                    RNGStateHook)
from .resume import check_checkpoint_file, resolve_auto_resume

__all__ = [
    'ChannelsLastHook', 'FiniteLossHook', 'LossGradNormHook',
    'NonFiniteLossError', 'PairedInitHook', 'RecipeCardHook', 'RNGStateHook',
    'check_checkpoint_file', 'hooks', 'resolve_auto_resume'
]
