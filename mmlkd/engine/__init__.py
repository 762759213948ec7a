"""Training-loop machinery: hooks, model wrappers and checkpoint-file
checks."""
from . import hooks  # noqa: F401
from .hooks import (ChannelsLastHook, FiniteLossHook, LossGradNormHook,
                    NonFiniteLossError, PairedInitHook, RecipeCardHook,
                    RNGStateHook)
from .model_wrappers import CPUSyncBNDistributedDataParallel
from .resume import check_checkpoint_file, resolve_auto_resume

__all__ = [
    'CPUSyncBNDistributedDataParallel', 'ChannelsLastHook', 'FiniteLossHook',
    'LossGradNormHook', 'NonFiniteLossError', 'PairedInitHook', 'RecipeCardHook', 'RNGStateHook',
    'check_checkpoint_file', 'hooks', 'resolve_auto_resume'
]
