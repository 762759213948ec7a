"""CLKD: class-aware logit knowledge distillation, adapted to multi-label."""
from typing import List, Optional, Sequence

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from .utils import check_same_shape


def concat_gathered(local: torch.Tensor, gathered: Sequence[torch.Tensor],
                    rank: int) -> torch.Tensor:
    """Concatenate per-rank slices along dim 0, the local one with its graph.

    ``all_gather`` returns tensors without autograd history; putting the
    caller's own ``local`` tensor back at position ``rank`` keeps the
    gradient path to this process's student outputs, so each rank
    back-propagates through its own slice of the global batch.

    Args:
        local: this rank's tensor ``b_r x ...``.
        gathered: one tensor per rank (already trimmed to each rank's size).
        rank: index of this process in ``gathered``.
    """
    if not 0 <= rank < len(gathered):
        raise ValueError(f'concat_gathered: rank {rank} outside a world of '
                         f'{len(gathered)} gathered slices')
    if gathered[rank].shape != local.shape:
        raise ValueError(
            f'concat_gathered: slice {rank} has shape '
            f'{tuple(gathered[rank].shape)}, local tensor has '
            f'{tuple(local.shape)}')
    parts: List[torch.Tensor] = list(gathered)
    parts[rank] = local
    return torch.cat(parts, dim=0)


def gather_batch(x: torch.Tensor) -> torch.Tensor:
    """All-gather ``x`` along the batch dim across DDP ranks, keeping grad.

    Ranks may hold different batch sizes (a last, smaller batch): sizes are
    exchanged first and slices padded to the largest, since ``all_gather``
    needs equal shapes. Without an initialised process group, or in a world
    of one, ``x`` is returned unchanged.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return x
    world = dist.get_world_size()
    if world == 1:
        return x
    rank = dist.get_rank()
    size = torch.tensor([x.shape[0]], device=x.device, dtype=torch.long)
    sizes = [torch.zeros_like(size) for _ in range(world)]
    dist.all_gather(sizes, size)
    counts = [int(s.item()) for s in sizes]
    padded = x.detach()
    if x.shape[0] < max(counts):
        pad = x.new_zeros((max(counts) - x.shape[0], ) + tuple(x.shape[1:]))
        padded = torch.cat([padded, pad], dim=0)
    buffers = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(buffers, padded.contiguous())
    trimmed = [buf[:n] for buf, n in zip(buffers, counts)]
    return concat_gathered(x, trimmed, rank)


def _world_size() -> int:
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def normalized_mse(a: torch.Tensor, b: torch.Tensor,
                   eps: float = 1e-12) -> torch.Tensor:
    """``mean((a / ||a||_row - b / ||b||_row)^2)`` over all entries."""
    return (F.normalize(a, dim=1, eps=eps) -
            F.normalize(b, dim=1, eps=eps)).pow(2).mean()


@MODELS.register_module()
class CLKDLoss(nn.Module):
    r"""Class-aware logit KD: instance, class and class-correlation terms.

    From "Class-aware Information for Logit-based Knowledge Distillation"
    (Zhang et al., arXiv:2211.14773). With student and teacher outputs
    :math:`Z_s, Z_t \in \mathbb{R}^{B \times C}` (raw logits, or sigmoid
    scores with ``on='sigmoid'``) and
    :math:`\mathrm{NMSE}(A, B) = \mathrm{mean}\big((A / \|A\|_{row} -
    B / \|B\|_{row})^2\big)`:

    .. math::

        L_{ins} = \mathrm{NMSE}(Z_s, Z_t), \qquad
        L_{cla} = \mathrm{NMSE}(Z_s^\top, Z_t^\top), \qquad
        L_{cc} = \frac{\|G(Z_s) - G(Z_t)\|_F^2}{C^2},

    .. math::

        G(Z) = \frac{(Z - \bar Z)^\top (Z - \bar Z)}{B - 1}
        \in \mathbb{R}^{C \times C},

    :math:`\bar Z` the batch mean of each class, and

    .. math::

        L = w_{loss} \,(w_{ins} L_{ins} + w_{cla} L_{cla} + w_{cc} L_{cc}).

    The paper writes :math:`\mu (L_{ins} + \beta L_{cla}) + \nu L_{cc}`;
    the defaults ``instance=0.5, class_level=1.0, correlation=0.4`` are
    :math:`\mu = 0.5, \beta = 2, \nu = 0.4` as seen in reimplementations
    (unverified against the authors). The task-loss weight (0.1 there) is
    the student head's ``loss_weight``. Multi-label logits need no softmax:
    the paper's softmax-free normalised MSE applies to them directly.

    Reimplementations disagree on :math:`G`; the ``corr_*`` options select:

    - ``corr_axis``: ``'class'`` (``C x C`` over the batch, default) or
      ``'batch'`` (``B x B`` over the classes);
    - ``corr_center``: subtract the batch mean of each class first;
    - ``corr_divisor``: divide the Gram matrix by ``n - 1`` (``'unbiased'``),
      ``n`` (``'biased'``) or 1 (``'none'``), ``n`` the summed axis size;
    - ``corr_squared``: squared Frobenius norm (default) or the norm itself;
    - ``corr_reduction``: ``'mean'`` divides by the number of entries of
      :math:`G` (``C^2`` or ``B^2``), ``'sum'`` does not.

    The class-level and correlation terms are batch statistics: they need
    ``B >= 2`` and, under DDP, see only the local batch unless
    ``gather=True``, which all-gathers student and teacher outputs so they
    are computed on the global batch. Each rank then back-propagates through
    its own slice only; the gradient of those terms is multiplied by the
    world size (their value is not) so that DDP's gradient averaging yields
    the gradient of the global-batch loss.

    Args:
        instance: weight of the instance-level NMSE.
        class_level: weight of the class-level NMSE.
        correlation: weight of the class-correlation term.
        on: ``'logits'`` (raw) or ``'sigmoid'`` (scores in ``[0, 1]``).
        corr_axis, corr_center, corr_divisor, corr_squared, corr_reduction:
            how the correlation term is built (see above).
        gather: all-gather batch statistics across DDP ranks.
        loss_weight: multiplier applied to the total.
    """

    def __init__(self,
                 instance: float = 0.5,
                 class_level: float = 1.0,
                 correlation: float = 0.4,
                 on: str = 'logits',
                 corr_axis: str = 'class',
                 corr_center: bool = True,
                 corr_divisor: str = 'unbiased',
                 corr_squared: bool = True,
                 corr_reduction: str = 'mean',
                 gather: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        choices = dict(
            on=(on, ('logits', 'sigmoid')),
            corr_axis=(corr_axis, ('class', 'batch')),
            corr_divisor=(corr_divisor, ('unbiased', 'biased', 'none')),
            corr_reduction=(corr_reduction, ('mean', 'sum')))
        for name, (value, allowed) in choices.items():
            if value not in allowed:
                raise ValueError(
                    f'CLKDLoss: {name} must be one of {allowed}, got '
                    f'{value!r}')
        self.instance = instance
        self.class_level = class_level
        self.correlation = correlation
        self.on = on
        self.corr_axis = corr_axis
        self.corr_center = corr_center
        self.corr_divisor = corr_divisor
        self.corr_squared = corr_squared
        self.corr_reduction = corr_reduction
        self.gather = gather
        self.loss_weight = loss_weight

    def correlation_matrix(self, z: torch.Tensor) -> torch.Tensor:
        """``G(z)`` for a ``B x C`` input, as the ``corr_*`` options say."""
        if self.corr_center:
            z = z - z.mean(dim=0, keepdim=True)
        if self.corr_axis == 'class':
            gram = z.t() @ z  # C x C, summed over the batch
            n = z.shape[0]
        else:
            gram = z @ z.t()  # B x B, summed over the classes
            n = z.shape[1]
        if self.corr_divisor == 'unbiased':
            gram = gram / max(n - 1, 1)
        elif self.corr_divisor == 'biased':
            gram = gram / n
        return gram

    def correlation_loss(self, z_s: torch.Tensor,
                         z_t: torch.Tensor) -> torch.Tensor:
        """Distance between the student's and teacher's ``G``."""
        diff = self.correlation_matrix(z_s) - self.correlation_matrix(z_t)
        sq = diff.pow(2).sum()
        dist_ = sq if self.corr_squared else sq.clamp_min(1e-24).sqrt()
        if self.corr_reduction == 'mean':
            dist_ = dist_ / diff.numel()
        return dist_

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss from student and teacher outputs ``B x C``."""
        check_same_shape('CLKDLoss', preds_S, preds_T, ndim=2)
        # float32: squared Gram entries overflow half precision under AMP.
        z_s = preds_S.float()
        z_t = preds_T.detach().float()
        if self.on == 'sigmoid':
            z_s, z_t = z_s.sigmoid(), z_t.sigmoid()

        loss = z_s.new_zeros(())
        if self.instance:
            # Per-image rows: a local statistic, never gathered.
            loss = loss + self.instance * normalized_mse(z_s, z_t)

        if self.class_level or self.correlation:
            world = 1
            if self.gather:
                z_s, z_t = gather_batch(z_s), gather_batch(z_t)
                world = _world_size()
            if z_s.shape[0] < 2:
                raise ValueError(
                    'CLKDLoss: the class-level and correlation terms are '
                    f'batch statistics and need a batch of >= 2 images; got '
                    f'inputs of shape {tuple(preds_S.shape)}. Use a larger '
                    'batch, gather=True under DDP, or set class_level=0 and '
                    'correlation=0')
            batch_terms = z_s.new_zeros(())
            if self.class_level:
                batch_terms = batch_terms + self.class_level * normalized_mse(
                    z_s.t(), z_t.t())
            if self.correlation:
                batch_terms = batch_terms + (
                    self.correlation * self.correlation_loss(z_s, z_t))
            loss = loss + _scale_grad(batch_terms, world)
        return self.loss_weight * loss


def _scale_grad(t: torch.Tensor, factor: Optional[int]) -> torch.Tensor:
    """Return ``t`` unchanged in value with its gradient times ``factor``."""
    if not factor or factor == 1:
        return t
    return t * factor - t.detach() * (factor - 1)
