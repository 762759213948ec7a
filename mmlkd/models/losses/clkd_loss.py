"""CLKD: class-aware logit knowledge distillation, adapted to multi-label."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from ..utils import gather_batch
from .utils import check_same_shape


def normalized_mse(a: torch.Tensor,
                   b: torch.Tensor,
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

    The class-level and correlation terms are batch statistics: under DDP
    they are computed on the global batch (student and teacher outputs
    all-gathered by :func:`mmlkd.models.utils.gather_batch`), so their
    value and DDP's averaged gradient are those of one process holding the
    whole batch, for any number of processes. The instance term is a mean
    over images and stays per process. A (global) batch of one image has no
    batch statistics: the class-level and correlation terms are 0 then (the
    centred correlation of one image is 0 anyway, and a class normalised
    over one image is its sign, which carries no gradient).

    Args:
        instance: weight of the instance-level NMSE.
        class_level: weight of the class-level NMSE.
        correlation: weight of the class-correlation term.
        on: ``'logits'`` (raw) or ``'sigmoid'`` (scores in ``[0, 1]``).
        corr_axis, corr_center, corr_divisor, corr_squared, corr_reduction:
            how the correlation term is built (see above).
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
        # float32 at least: squared Gram entries overflow half precision
        # under AMP (float64 inputs stay float64).
        dtype = torch.promote_types(preds_S.dtype, torch.float32)
        # Autocast off as well: under AMP it would run the Gram matmuls in
        # half precision again, whatever the inputs' dtype.
        with torch.autocast(device_type=preds_S.device.type, enabled=False):
            loss = self._loss(preds_S.to(dtype), preds_T.detach().to(dtype))
        return self.loss_weight * loss

    def _loss(self, z_s: torch.Tensor, z_t: torch.Tensor) -> torch.Tensor:
        if self.on == 'sigmoid':
            z_s, z_t = z_s.sigmoid(), z_t.sigmoid()

        loss = z_s.new_zeros(())
        if self.instance:
            # Per-image rows: a local statistic, never gathered.
            loss = loss + self.instance * normalized_mse(z_s, z_t)

        if self.class_level or self.correlation:
            z_s, z_t = gather_batch(z_s, z_t)
            if z_s.shape[0] >= 2:
                if self.class_level:
                    loss = loss + self.class_level * normalized_mse(
                        z_s.t(), z_t.t())
                if self.correlation:
                    loss = loss + (
                        self.correlation * self.correlation_loss(z_s, z_t))
        if not loss.requires_grad:
            # Every term off or empty (a batch of one): stay attached to the
            # student, as DDP expects a graph reaching it every step.
            loss = loss + 0 * z_s.sum()
        return loss
