"""MLD: multi-label logits distillation (L2D, ICCV 2023)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from .utils import (REDUCTIONS, check_option, check_positive, check_same_shape,
                    reduce_cells)


@MODELS.register_module()
class MLDLoss(nn.Module):
    r"""Multi-label logits distillation: one binary KL per image and class.

    From "Multi-Label Knowledge Distillation" (Yang et al., ICCV 2023,
    arXiv:2308.06453). With :math:`p = \mathrm{clamp}(\sigma(z / T),
    10^{-8}, 1 - 10^{-8})` and the teacher detached,

    .. math::

        L_{MLD} = \frac{T^2}{B} \sum_{i=1}^{B} \sum_{c=1}^{C}
            p^t_{ic} \log\frac{p^t_{ic}}{p^s_{ic}}
            + (1 - p^t_{ic}) \log\frac{1 - p^t_{ic}}{1 - p^s_{ic}}

    The paper uses no temperature (``T = 1``); with another ``T`` the
    :math:`T^2` factor keeps gradient magnitudes comparable, as in Hinton KD.

    Args:
        loss_weight: multiplier applied to the loss.
        tau: temperature ``T`` dividing the logits.
        eps: clamp bound of the probabilities (the reference uses 1e-8).
        reduction: ``'batchmean'`` (paper: sum over classes, mean over
            images), ``'sum'`` or ``'mean'`` (mean over all cells).
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 tau: float = 1.0,
                 eps: float = 1e-8,
                 reduction: str = 'batchmean') -> None:
        super().__init__()
        check_positive('MLDLoss', 'tau', tau)
        check_option('MLDLoss', 'reduction', reduction, REDUCTIONS)
        self.loss_weight = loss_weight
        self.tau = tau
        self.eps = eps
        self.reduction = reduction

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss from student and teacher logits ``B x C``."""
        check_same_shape('MLDLoss', preds_S, preds_T, ndim=2)
        # The clamp is applied in log space: p in [eps, 1 - eps] is exactly
        # log p in [log eps, log(1 - eps)]. Clamping p itself fails in float32,
        # where 1 - 1e-8 rounds to 1, so a saturated student logit (|z| > ~17)
        # gave log(0) = -inf and a nan loss; logsigmoid keeps full precision.
        dtype = torch.promote_types(preds_S.dtype, torch.float32)
        lo = math.log(self.eps)
        hi = math.log1p(-self.eps)
        z_s = preds_S.to(dtype) / self.tau
        z_t = preds_T.detach().to(dtype) / self.tau
        log_ps = F.logsigmoid(z_s).clamp(lo, hi)
        log_1m_ps = F.logsigmoid(-z_s).clamp(lo, hi)
        log_pt = F.logsigmoid(z_t).clamp(lo, hi)
        log_1m_pt = F.logsigmoid(-z_t).clamp(lo, hi)
        kl = log_pt.exp() * (log_pt - log_ps) + log_1m_pt.exp() * (
            log_1m_pt - log_1m_ps)
        loss = reduce_cells(kl, self.reduction)
        return self.loss_weight * self.tau**2 * loss
