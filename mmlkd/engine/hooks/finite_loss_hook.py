"""Stop training at the first non-finite loss, before a checkpoint of it."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from .utils import checkpoint_by_epoch, checkpoint_due_after_iter


class NonFiniteLossError(RuntimeError):
    """A loss term (or the weights about to be saved) became NaN or inf."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop a diverging run at once, keeping the finite checkpoints.

    After every training iteration the loss terms the model returned
    (``log_vars``: every key containing ``'loss'``) are checked; the first
    NaN or inf raises :class:`NonFiniteLossError` naming those terms, the
    epoch and the iteration. Before :class:`~mmengine.hooks.CheckpointHook`
    saves (end of an epoch, or its iteration interval) the model's weights
    and buffers are checked too, which also catches a finite loss whose
    gradient overflowed in the last step.

    Why a hook that runs *before* the checkpoint hook: mmengine's
    ``CheckpointHook`` deletes the oldest file of its ``max_keep_ckpts``
    window *before* writing the new one, so a non-finite state that reached
    it would cost the oldest finite checkpoint even if the write were then
    refused. Stopping earlier means every checkpoint written is finite and
    rotation only ever drops a finite file for a newer finite one.

    Under DDP the flag is summed over the ranks, so every process stops at
    the same iteration instead of waiting on a rank that has left.

    Args:
        check_weights: also check the weights before each checkpoint.
    """

    priority = 'ABOVE_NORMAL'  # before LoggerHook and CheckpointHook

    def __init__(self, check_weights: bool = True) -> None:
        self.check_weights = check_weights

    @staticmethod
    def _non_finite_terms(outputs: Optional[Dict]) -> List[str]:
        terms = {
            name: torch.as_tensor(value).detach().float().reshape(-1)
            for name, value in (outputs or {}).items() if 'loss' in name
        }
        if not terms:
            return []
        # One host sync per iteration; the names only on failure.
        if bool(torch.isfinite(torch.cat(list(terms.values()))).all()):
            return []
        return [
            f'{name}={float(value.mean())}' for name, value in terms.items()
            if not bool(torch.isfinite(value).all())
        ]

    @staticmethod
    def _any_rank(flag: bool, device: torch.device) -> bool:
        if get_world_size() == 1:
            return flag
        t = torch.tensor([float(flag)], device=device)
        all_reduce(t, op='sum')
        return bool(t.item() > 0)

    @staticmethod
    def _last_checkpoint(runner) -> str:
        last = runner.message_hub.get_info('last_ckpt')
        return (f'the last checkpoint written is {last}'
                if last else 'no checkpoint had been written yet')

    @staticmethod
    def _advice(runner) -> str:
        if runner.iter == 0:
            # Nothing has been updated yet: the lr cannot be the cause.
            return ('At the first iteration no update has happened yet, so '
                    'the lr is not the cause: check the inputs (a non-finite '
                    'pixel or label), the teacher checkpoint and the loss '
                    'configuration.')
        return ('Lower the learning rate (or a loss weight) and resume from '
                'a finite checkpoint.')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[Dict] = None) -> None:
        bad = self._non_finite_terms(outputs)
        device = torch.device('cpu')
        if outputs:
            first = next(iter(outputs.values()))
            if isinstance(first, torch.Tensor):
                device = first.device
        if self._any_rank(bool(bad), device):
            # A term named only by the total: an overflow of the sum, or
            # another rank's term (each rank reports its own).
            terms = [t for t in bad if not t.startswith('loss=')] or bad
            where = (f'epoch {runner.epoch + 1}, iteration {batch_idx + 1} '
                     f'of the epoch (global iteration {runner.iter + 1})')
            raise NonFiniteLossError(
                f'non-finite loss at {where}: '
                f'{", ".join(terms) or "on another rank"}. Training stopped '
                'before any checkpoint of this state was written; '
                f'{self._last_checkpoint(runner)}. {self._advice(runner)}')
        if checkpoint_due_after_iter(runner):
            self._check_weights(runner, f'iteration {runner.iter + 1}')

    def after_train_epoch(self, runner) -> None:
        if checkpoint_by_epoch(runner):
            self._check_weights(runner, f'epoch {runner.epoch + 1}')

    def _check_weights(self, runner, when: str) -> None:
        if not self.check_weights:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        bad: Sequence[str] = [
            name for name, t in model.state_dict().items()
            if t.is_floating_point() and not bool(torch.isfinite(t).all())
        ]
        if bad:
            raise NonFiniteLossError(
                f'non-finite weights or buffers at the end of {when} '
                'although every loss was finite (an overflowing update or '
                f'running statistic): {len(bad)} tensors, first '
                f'{list(bad)[:5]}. Training stopped before '
                'this state was saved; '
                f'{self._last_checkpoint(runner)}.')


__all__ = ['FiniteLossHook', 'NonFiniteLossError']
