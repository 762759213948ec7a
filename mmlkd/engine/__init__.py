"""Training-loop machinery: hooks and checkpoint-file checks."""
from . import hooks  # noqa: F401
from .hooks import (ChannelsLastHook, FiniteLossHook, NonFiniteLossError,
                    RecipeCardHook, RNGStateHook)
from .resume import check_checkpoint_file, resolve_auto_resume

__all__ = [
    'ChannelsLastHook', 'FiniteLossHook', 'NonFiniteLossError',
    'RecipeCardHook', 'RNGStateHook', 'check_checkpoint_file', 'hooks',
    'resolve_auto_resume'
]
