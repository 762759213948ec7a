"""RKD: relational knowledge distillation on the global batch."""
import torch
import torch.nn as nn
from mmrazor.models.losses import AngleWiseRKD, DistanceWiseRKD
from mmrazor.registry import MODELS

from ..utils import gather_batch


@MODELS.register_module()
class RKDLoss(nn.Module):
    r"""Distance- and angle-wise relational KD, computed on the global batch.

    From "Relational Knowledge Distillation" (Park et al., CVPR 2019,
    arXiv:1904.05068). Features :math:`x_i` of the batch (flattened per
    image, L2-normalised with ``with_l2_norm``; student and teacher widths
    may differ) are compared through their relations:

    .. math::

        \psi_D(i, j) = \frac{\|x_i - x_j\|}{\mu}, \quad
        \mu = \mathrm{mean}\{\|x_k - x_l\| > 0\}, \qquad
        \psi_A(i, j, k) = \Big\langle
            \frac{x_i - x_j}{\|x_i - x_j\|},
            \frac{x_k - x_j}{\|x_k - x_j\|} \Big\rangle,

    .. math::

        L = w_{loss} \big(w_D \, \mathrm{mean}_{ij}\,
            \mathrm{smoothL1}(\psi^s_D, \psi^t_D) + w_A \,
            \mathrm{mean}_{ijk}\, \mathrm{smoothL1}(\psi^s_A, \psi^t_A)
            \big).

    The two terms are mmrazor's ``DistanceWiseRKD`` and ``AngleWiseRKD``
    (their defaults, the paper's weights 25 and 50). Both relate every pair
    or triple of images, so under DDP student and teacher features are
    all-gathered first (:func:`mmlkd.models.utils.gather_batch`): the value
    and DDP's averaged gradient are those of one process holding the whole
    batch, whatever the number of processes. A (global) batch of one image
    has no relation: the loss is 0 (mmrazor's distance term would divide 0
    by 0 there).

    Args:
        distance_weight: :math:`w_D` (paper: 25).
        angle_weight: :math:`w_A` (paper: 50).
        with_l2_norm: L2-normalise the features first (mmrazor's default).
        loss_weight: multiplier applied to the total.
    """

    def __init__(self,
                 distance_weight: float = 25.0,
                 angle_weight: float = 50.0,
                 with_l2_norm: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if distance_weight < 0 or angle_weight < 0:
            raise ValueError(
                'RKDLoss: distance_weight and angle_weight must be >= 0, '
                f'got {distance_weight} and {angle_weight}')
        self.distance = DistanceWiseRKD(
            loss_weight=distance_weight, with_l2_norm=with_l2_norm)
        self.angle = AngleWiseRKD(
            loss_weight=angle_weight, with_l2_norm=with_l2_norm)
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Loss from student and teacher features ``B x ...``."""
        if (preds_S.dim() < 2 or preds_T.dim() < 2
                or preds_S.shape[0] != preds_T.shape[0]):
            raise ValueError(
                'RKDLoss: expected student and teacher features B x ... with '
                f'the same batch, got shapes {tuple(preds_S.shape)} and '
                f'{tuple(preds_T.shape)}')
        preds_S, preds_T = gather_batch(
            preds_S.flatten(1),
            preds_T.detach().flatten(1))
        if preds_S.shape[0] < 2:
            # Stay attached to the student: DDP expects a graph every step.
            return 0 * preds_S.sum()
        loss = preds_S.new_zeros(())
        if self.distance.loss_weight:
            loss = loss + self.distance(preds_S, preds_T)
        if self.angle.loss_weight:
            loss = loss + self.angle(preds_S, preds_T)
        return self.loss_weight * loss
