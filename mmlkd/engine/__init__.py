"""Training-loop machinery: hooks and checkpoint-file checks."""
from . import hooks  # noqa: F401
from .hooks import FiniteLossHook, NonFiniteLossError, RNGStateHook
from .resume import check_checkpoint_file, resolve_auto_resume

__all__ = [
    'FiniteLossHook', 'NonFiniteLossError', 'RNGStateHook',
    'check_checkpoint_file', 'hooks', 'resolve_auto_resume'
]
