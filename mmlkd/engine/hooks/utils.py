"""What the hooks of mmlkd.engine need to know about the runner's hooks."""
from typing import Optional

from mmengine.hooks import CheckpointHook


def find_checkpoint_hook(runner) -> Optional[CheckpointHook]:
    """The runner's ``CheckpointHook``, or None."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook):
            return hook
    return None


def checkpoint_due_after_iter(runner) -> bool:
    """Whether an iteration-based ``CheckpointHook`` saves after this iter.

    The same test ``CheckpointHook.after_train_iter`` makes.
    """
    ckpt = find_checkpoint_hook(runner)
    if ckpt is None or ckpt.by_epoch:
        return False
    return ckpt.every_n_train_iters(
        runner, ckpt.interval,
        ckpt.save_begin) or (ckpt.save_last
                             and ckpt.is_last_train_iter(runner))


def checkpoint_by_epoch(runner) -> bool:
    """Whether the runner's ``CheckpointHook`` saves at epoch ends."""
    ckpt = find_checkpoint_hook(runner)
    return ckpt is not None and ckpt.by_epoch
