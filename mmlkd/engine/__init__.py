"""Training-loop machinery: the runner, hooks, model wrappers and
checkpoint-file checks."""
from . import hooks  # noqa: F401
from . import schedulers  # noqa: F401
from .hooks import (ChannelsLastHook, FiniteLossHook, LossGradNormHook,
                    NonFiniteLossError, PairedInitHook, RecipeCardHook,
                    RNGStateHook)
from .model_wrappers import CPUSyncBNDistributedDataParallel
from .resume import check_checkpoint_file, resolve_auto_resume
from .runner import LKDRunner
from .work_dir_lock import WorkDirLock, WorkDirLockedError

__all__ = [
    'CPUSyncBNDistributedDataParallel', 'ChannelsLastHook', 'FiniteLossHook',
    'LKDRunner', 'LossGradNormHook', 'NonFiniteLossError', 'PairedInitHook',
    'RecipeCardHook', 'RNGStateHook', 'WorkDirLock', 'WorkDirLockedError',
    'check_checkpoint_file', 'hooks', 'resolve_auto_resume'
]
