"""Training-loop machinery: hooks and checkpoint-file checks."""
from . import hooks  # noqa: F401
from .hooks import FiniteLossHook, NonFiniteLossError, RNGStateHook

__all__ = ['FiniteLossHook', 'NonFiniteLossError', 'RNGStateHook', 'hooks']
