"""Binary (per-class sigmoid) KD: the usual multi-label logit-KD baseline."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from .utils import (REDUCTIONS, check_option, check_positive, check_same_shape,
                    reduce_cells)


@MODELS.register_module()
class BinaryKDLoss(nn.Module):
    r"""Per-class sigmoid KD: soft-target binary cross-entropy with ``T``.

    Hinton et al.'s temperature KD ("Distilling the Knowledge in a Neural
    Network", arXiv:1503.02531) with each class an independent binary
    problem, the baseline that multi-label KD papers (e.g. L2D,
    arXiv:2308.06453, and arXiv:2303.08360) compare against. With
    :math:`p = \sigma(z / T)` and the teacher detached,

    .. math::

        L = T^2 \cdot \mathrm{reduce}_{i, c}\Big(
            -p^t_{ic} \log p^s_{ic} - (1 - p^t_{ic}) \log(1 - p^s_{ic})\Big).

    How it differs from :class:`~mmlkd.models.losses.MLDLoss` (L2D):

    - **Cross-entropy, not KL.** The value includes the teacher's binary
      entropy :math:`H(p^t)`, constant for the student, so gradients are the
      KL's but the loss is not 0 when student and teacher agree.
    - **Reduction.** Default ``'mean'`` averages over all ``B x C`` cells
      (PyTorch's ``BCEWithLogits`` convention); MLD sums over classes and
      averages over images (``'batchmean'``), i.e. is ``C`` times larger.
      Hence ``BinaryKD(mean) = MLD(batchmean) / C + mean(H(p^t))`` at equal
      ``T``.
    - **Temperature.** Default ``tau=4`` with the :math:`T^2` factor (the
      KD convention); MLD's paper setting is ``T = 1``.
    - **Numerics.** Computed from logits
      (``binary_cross_entropy_with_logits``), without MLD's probability
      clamp at 1e-8.

    Args:
        tau: temperature ``T``.
        reduction: ``'mean'`` (over ``B x C``), ``'batchmean'`` (sum / B)
            or ``'sum'``.
        loss_weight: multiplier applied to the loss.
    """

    def __init__(self,
                 tau: float = 4.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_positive('BinaryKDLoss', 'tau', tau)
        check_option('BinaryKDLoss', 'reduction', reduction, REDUCTIONS)
        self.tau = tau
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss from student and teacher logits ``B x C``."""
        check_same_shape('BinaryKDLoss', preds_S, preds_T, ndim=2)
        p_t = torch.sigmoid(preds_T.detach().float() / self.tau)
        bce = F.binary_cross_entropy_with_logits(
            preds_S.float() / self.tau, p_t, reduction='none')
        loss = reduce_cells(bce, self.reduction)
        return self.loss_weight * self.tau**2 * loss
