"""Input checks shared by the distillation losses."""
from typing import Optional, Sequence

import torch


def check_same_shape(loss_name: str,
                     preds_S: torch.Tensor,
                     preds_T: torch.Tensor,
                     ndim: Optional[int] = None) -> None:
    """Raise a clear error when student and teacher outputs do not align.

    A mismatch usually means the teacher and student were built with different
    ``num_classes`` or recorded at different modules; broadcasting would hide
    it and train on garbage.
    """
    if preds_S.shape != preds_T.shape:
        raise ValueError(
            f'{loss_name}: student output shape {tuple(preds_S.shape)} '
            f'differs from teacher output shape {tuple(preds_T.shape)}; '
            'check that both models have the same num_classes and that the '
            'recorders point at matching modules')
    if ndim is not None and preds_S.dim() != ndim:
        raise ValueError(f'{loss_name}: expected {ndim}-D inputs, got shape '
                         f'{tuple(preds_S.shape)}')


def check_multi_hot(loss_name: str, target: torch.Tensor,
                    like: torch.Tensor) -> None:
    """Targets must be ``B x C`` (matching ``like``'s first two dims) in
    {0, 1}."""
    if target.shape != like.shape[:2]:
        raise ValueError(
            f'{loss_name}: target shape {tuple(target.shape)} does not match '
            f'the first two dims of the predictions {tuple(like.shape)}')
    bad = (target != 0) & (target != 1)
    if bool(bad.any()):
        raise ValueError(
            f'{loss_name}: targets must be multi-hot in {{0, 1}}; found '
            f'{target[bad].unique().tolist()[:5]}')


REDUCTIONS = ('batchmean', 'sum', 'mean')


def check_option(loss_name: str, arg: str, value: object,
                 choices: Sequence) -> None:
    """Reject an option outside ``choices`` when the loss is built."""
    if value not in choices:
        listed = ', '.join(repr(c) for c in choices)
        raise ValueError(
            f'{loss_name}: {arg} must be one of {listed}, got {value!r}')


def check_positive(loss_name: str, arg: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f'{loss_name}: {arg} must be > 0, got {value}')


def reduce_cells(cells: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce per-(image, ...) terms: ``batchmean`` sums and divides by the
    batch (first) dimension, as the papers' per-image sums averaged over
    images; ``sum`` and ``mean`` are plain."""
    if reduction == 'batchmean':
        return cells.sum() / cells.shape[0]
    if reduction == 'sum':
        return cells.sum()
    return cells.mean()
