"""A hook that kills its own process with SIGKILL (for the resume tests).

Imported by the training subprocess through ``custom_imports``: the kill
lands at a chosen global iteration, in the middle of an epoch, with no
chance to clean up, like ``kill -9`` from outside but deterministic.
"""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class SigkillAtIterHook(Hook):

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter + 1 == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)
