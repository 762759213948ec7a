"""Log every loss term and the norm of its gradient on the student."""
import math
import re
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook, LoggerHook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch import nn

from .paired_init_hook import get_student

VALUE_PREFIX = 'term/'
NORM_PREFIX = 'gnorm/'


def term_name(loss_key: str) -> str:
    """The short name a loss key is logged under.

    ``distill.loss_mld`` -> ``distill.mld``, ``student.loss`` and a plain
    classifier's ``loss`` -> ``student``. The word ``loss`` is dropped because
    mmengine's LogProcessor averages every key that contains it over its
    window, which would smear measurements taken only every N iterations.
    """
    parts = []
    for part in loss_key.split('.'):
        if part == 'loss':
            continue
        parts.append(part[len('loss_'):] if part.startswith('loss_') else part)
    return '.'.join(parts) or 'student'


def sum_term(value) -> torch.Tensor:
    """A loss entry as one scalar, as ``BaseModel.parse_losses`` sums it."""
    if isinstance(value, torch.Tensor):
        return value.mean()
    return sum(v.mean() for v in value)


def grad_norm(term: torch.Tensor, params: List[nn.Parameter]) -> float:
    """L2 norm of d term / d params over all params (0 if none is reached)."""
    if not term.requires_grad:
        return 0.0
    grads = torch.autograd.grad(
        term, params, retain_graph=True, allow_unused=True)
    sq = sum(
        float(g.detach().double().pow(2).sum()) for g in grads
        if g is not None)
    return math.sqrt(sq)


@HOOKS.register_module()
class LossGradNormHook(Hook):
    """Every ``interval`` iterations, log each loss term and its gradient norm.

    For each entry of the model's loss dict that mmengine adds to the total
    loss (keys containing ``loss``: ``student.loss``, ``distill.loss_mld``,
    ...), it logs at the measured iterations

    - ``term/<name>``: the term's value at that iteration, and
    - ``gnorm/<name>``: the L2 norm of the term's gradient with respect to
      all trainable parameters of the student (``model.architecture`` of an
      MMRazor algorithm, else the model),

    where ``<name>`` is :func:`term_name` of the key. Both go into the message
    hub, so the LoggerHook writes them to the text log and
    ``vis_data/scalars.json`` (and any other visualiser backend).

    The gradients come from the training step's own graph: the hook catches
    the loss dict as the model's forward returns it and calls
    ``torch.autograd.grad`` per term with ``retain_graph=True``, before the
    step's backward. Nothing extra is computed on other iterations, and the
    step itself is unchanged (no ``.grad`` is written, no forward repeated,
    no random number drawn). With several processes, each rank measures its
    own batch's gradient, before DDP averages gradients; the log shows rank
    0's.

    Args:
        interval: measure every ``interval`` iterations of an epoch (the
            LoggerHook's rule) and at the last iteration of an epoch shorter
            than ``interval``. ``None`` (default) takes the LoggerHook's
            interval, so every line it logs carries the values of its own
            iteration. Other values should be multiples of the LoggerHook's
            interval: a measurement on an iteration it does not log is lost.
    """

    priority = 'NORMAL'  # after_train_iter before LoggerHook (BELOW_NORMAL)

    def __init__(self, interval: Optional[int] = None) -> None:
        if interval is not None and (not isinstance(interval, int)
                                     or isinstance(interval, bool)
                                     or interval < 1):
            raise ValueError('LossGradNormHook: interval must be a positive '
                             f'integer or None, got {interval!r}')
        self.interval = interval
        self._handle = None
        self._logged: List[str] = []

    def before_train(self, runner) -> None:
        if self.interval is None:
            loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
            self.interval = loggers[0].interval if loggers else 50

    def _due(self, runner, batch_idx: int) -> bool:
        if self.every_n_inner_iters(batch_idx, self.interval):
            return True
        loader = runner.train_dataloader
        return (self.end_of_epoch(loader, batch_idx)
                and len(loader) <= self.interval)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        self._forget(runner)
        if not self._due(runner, batch_idx):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        params = [
            p for p in get_student(model).parameters() if p.requires_grad
        ]

        def measure(module, args, kwargs, output) -> None:
            if kwargs.get('mode') != 'loss' or not isinstance(output, dict):
                return
            self._remove()  # once per iteration
            self._log(runner, output, params)

        self._handle = model.register_forward_hook(measure, with_kwargs=True)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        self._remove()

    def after_train(self, runner) -> None:
        self._remove()
        self._forget(runner)

    def _log(self, runner, losses: Dict, params: List[nn.Parameter]) -> None:
        hub = runner.message_hub
        pattern = runner.log_processor.mean_pattern
        for key, value in losses.items():
            if 'loss' not in key:
                continue  # not part of the total loss (e.g. accuracy)
            name = term_name(key)
            for prefix in (VALUE_PREFIX, NORM_PREFIX):
                if re.search(pattern, prefix + name):
                    raise ValueError(
                        f'LossGradNormHook: loss {key!r} would be logged as '
                        f'{prefix + name!r}, which the LogProcessor averages '
                        f'(mean_pattern {pattern.pattern!r}); rename the '
                        'loss')
            term = sum_term(value)
            norm = grad_norm(term, params)
            hub.update_scalar(f'train/{VALUE_PREFIX}{name}',
                              float(term.detach()))
            hub.update_scalar(f'train/{NORM_PREFIX}{name}', norm)
            self._logged += [
                f'train/{VALUE_PREFIX}{name}', f'train/{NORM_PREFIX}{name}'
            ]

    def _forget(self, runner) -> None:
        # The LogProcessor reports the latest value of a key on every line it
        # writes; dropping the keys after their iteration keeps a measurement
        # from being repeated on the lines of unmeasured iterations.
        scalars = runner.message_hub.log_scalars
        for key in self._logged:
            scalars.pop(key, None)
        self._logged = []

    def _remove(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


__all__ = ['LossGradNormHook', 'grad_norm', 'sum_term', 'term_name']
