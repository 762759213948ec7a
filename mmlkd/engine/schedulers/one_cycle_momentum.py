"""The momentum half of the 1cycle policy, as ``torch.optim.lr_scheduler``'s
``OneCycleLR(cycle_momentum=True)`` schedules it.

mmengine's ``OneCycleLR`` schedules the learning rate only. PyTorch's also
cycles the momentum (Adam's ``betas[0]``) inversely to the learning rate:
from ``max_momentum`` down to ``base_momentum`` over the warm-up, then back
up to ``max_momentum`` over the annealing phase. The L2D reference trains
with PyTorch's scheduler and its defaults (0.85 / 0.95), so mmlkd's L2D
recipe pairs mmengine's ``OneCycleLR`` with :class:`OneCycleMomentum`
(configs/_base_/schedules/adam_onecycle_80e.py).
"""
import math
from typing import List, Optional, Sequence, Union

from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS

__all__ = ['OneCycleMomentum', 'OneCycleMomentumParamScheduler']


def _annealing_cos(start: float, end: float, pct: float) -> float:
    """Cosine from ``start`` to ``end`` as ``pct`` goes from 0 to 1."""
    cos_out = math.cos(math.pi * pct) + 1
    return end + (start - end) / 2.0 * cos_out


def _annealing_linear(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


class OneCycleMomentumParamScheduler(_ParamScheduler):
    """Cycle a parameter inversely to the 1cycle learning rate.

    The phases, step arithmetic and annealing are those of PyTorch's
    ``OneCycleLR`` (and of mmengine's ``OneCycleParamScheduler``, which
    shares them for the learning rate): with ``T = total_steps`` and step
    ``t`` (0 before the first optimiser step),

    * two phases (default): ``max -> base`` over ``t in [0, pct_start * T
      - 1]``, then ``base -> max`` until ``t = T - 1``;
    * ``three_phase=True``: ``max -> base``, ``base -> max`` until
      ``2 * pct_start * T - 2``, then constant ``max``.

    Args:
        optimizer: optimizer or optimizer wrapper.
        param_name: the group key to schedule (``'momentum'``).
        base_momentum: lower bound, reached at the learning rate's peak
            (PyTorch's default 0.85). A float or one value per group.
        max_momentum: upper bound, at the start and the end (PyTorch's
            default 0.95). A float or one value per group.
        total_steps: steps of the cycle; ``end - begin`` when ``None``.
        pct_start: fraction of the cycle spent warming up (default 0.3, as
            PyTorch's and mmengine's ``OneCycleLR``).
        anneal_strategy: ``'cos'`` or ``'linear'``.
        three_phase: PyTorch's ``three_phase``.
        begin, end, last_step, by_epoch, verbose: as every mmengine
            parameter scheduler.
    """

    def __init__(self,
                 optimizer,
                 param_name: str,
                 base_momentum: Union[float, Sequence[float]] = 0.85,
                 max_momentum: Union[float, Sequence[float]] = 0.95,
                 total_steps: Optional[int] = None,
                 pct_start: float = 0.3,
                 anneal_strategy: str = 'cos',
                 three_phase: bool = False,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = True,
                 verbose: bool = False):
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError('Expected positive integer total_steps, '
                                 f'but got {total_steps}')
            self.total_steps = total_steps
        else:
            if end == INF:
                raise ValueError('OneCycleMomentum needs total_steps or a '
                                 'finite end')
            self.total_steps = end - begin
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError('Expected float between 0 and 1 pct_start, '
                             f'but got {pct_start}')
        if anneal_strategy not in ('cos', 'linear'):
            raise ValueError('anneal_strategy must be one of "cos" or '
                             f'"linear", instead got {anneal_strategy}')
        self.anneal_func = (
            _annealing_cos if anneal_strategy == 'cos' else _annealing_linear)
        self.pct_start = pct_start
        self.three_phase = three_phase
        t = self.total_steps
        if three_phase:
            self._schedule_phases = [
                dict(
                    end_step=float(pct_start * t) - 1,
                    start='max_momentum',
                    end='base_momentum'),
                dict(
                    end_step=float(2 * pct_start * t) - 2,
                    start='base_momentum',
                    end='max_momentum'),
                dict(end_step=t - 1, start='max_momentum', end='max_momentum'),
            ]
        else:
            self._schedule_phases = [
                dict(
                    end_step=float(pct_start * t) - 1,
                    start='max_momentum',
                    end='base_momentum'),
                dict(
                    end_step=t - 1, start='base_momentum', end='max_momentum'),
            ]
        if last_step == -1:
            groups = optimizer.param_groups
            maxs = self._per_group('max_momentum', groups, max_momentum)
            bases = self._per_group('base_momentum', groups, base_momentum)
            for group, m_max, m_base in zip(groups, maxs, bases):
                group['max_momentum'] = m_max
                group['base_momentum'] = m_base
                # The cycle starts at the top, whatever the optimiser's own
                # momentum (PyTorch overwrites it the same way).
                group[f'initial_{param_name}'] = m_max
        super().__init__(
            optimizer=optimizer,
            param_name=param_name,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose)

    def state_dict(self) -> dict:
        """The scheduler's state without ``anneal_func``.

        The function is rebuilt from ``anneal_strategy`` by ``__init__``; in
        a checkpoint it would be a pickled global, which torch's
        ``weights_only`` loader (and so every resume) refuses.
        """
        state = super().state_dict()
        state.pop('anneal_func', None)
        return state

    @staticmethod
    def _per_group(name: str, groups, value) -> List[float]:
        if isinstance(value, (list, tuple)):
            if len(value) != len(groups):
                raise ValueError(f'expected {len(groups)} values for {name}, '
                                 f'got {len(value)}')
            return list(value)
        return [value] * len(groups)

    @classmethod
    def build_iter_from_epoch(cls,
                              *args,
                              begin=0,
                              end=INF,
                              total_steps=None,
                              by_epoch=True,
                              epoch_length=None,
                              **kwargs):
        """Build an iter-based instance from an epoch-based config."""
        assert by_epoch, 'Only epoch-based kwargs whose `by_epoch=True` can ' \
                         'be converted to iter-based.'
        assert epoch_length is not None and epoch_length > 0, \
            f'`epoch_length` must be a positive integer, ' \
            f'but got {epoch_length}.'
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        if total_steps is not None:
            total_steps = total_steps * epoch_length
        return cls(
            *args,
            begin=begin,
            end=end,
            total_steps=total_steps,
            by_epoch=False,
            **kwargs)

    def _get_value(self) -> List[float]:
        step_num = self.last_step
        if step_num > self.total_steps:
            raise ValueError(
                f'Tried to step {step_num + 1} times. '
                f'The specified number of total steps is {self.total_steps}')
        values = []
        for group in self.optimizer.param_groups:
            start_step = 0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase['end_step']
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    value = self.anneal_func(group[phase['start']],
                                             group[phase['end']], pct)
                    break
                start_step = phase['end_step']
            values.append(value)
        return values


@PARAM_SCHEDULERS.register_module()
class OneCycleMomentum(MomentumSchedulerMixin, OneCycleMomentumParamScheduler):
    """1cycle momentum: SGD's ``momentum`` or Adam's ``betas[0]``.

    Pair it with mmengine's ``OneCycleLR`` (same ``begin``, ``end``,
    ``pct_start`` and ``convert_to_iter_based``) to reproduce PyTorch's
    ``OneCycleLR(cycle_momentum=True)``: the momentum starts at
    ``max_momentum``, falls to ``base_momentum`` as the learning rate
    peaks and returns to ``max_momentum`` by the end of the cycle.

    Example::

        param_scheduler = [
            dict(type='OneCycleLR', eta_max=1e-4, pct_start=0.2,
                 by_epoch=True, begin=0, end=80, convert_to_iter_based=True),
            dict(type='OneCycleMomentum', base_momentum=0.85,
                 max_momentum=0.95, pct_start=0.2, by_epoch=True, begin=0,
                 end=80, convert_to_iter_based=True),
        ]

    Args: as :class:`OneCycleMomentumParamScheduler`, without
    ``param_name``.
    """
