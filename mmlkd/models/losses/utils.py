"""Input checks shared by the distillation losses."""
from typing import Optional

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
            f'{loss_name}: student output shape {tuple(preds_S.shape)} differs '
            f'from teacher output shape {tuple(preds_T.shape)}; check that '
            'both models have the same num_classes and that the recorders '
            'point at matching modules')
    if ndim is not None and preds_S.dim() != ndim:
        raise ValueError(
            f'{loss_name}: expected {ndim}-D inputs, got shape '
            f'{tuple(preds_S.shape)}')


def check_multi_hot(loss_name: str, target: torch.Tensor,
                    like: torch.Tensor) -> None:
    """Targets must be ``B x C`` (matching ``like``'s first two dims) in {0, 1}."""
    if target.shape != like.shape[:2]:
        raise ValueError(
            f'{loss_name}: target shape {tuple(target.shape)} does not match '
            f'the first two dims of the predictions {tuple(like.shape)}')
    bad = (target != 0) & (target != 1)
    if bool(bad.any()):
        raise ValueError(
            f'{loss_name}: targets must be multi-hot in {{0, 1}}; found '
            f'{target[bad].unique().tolist()[:5]}')
