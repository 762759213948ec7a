"""PKT: probabilistic knowledge transfer between feature spaces."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from ..utils import gather_batch
from .utils import REDUCTIONS, check_option


@MODELS.register_module()
class PKTLoss(nn.Module):
    r"""Match the conditional similarity distributions of two feature spaces.

    From "Learning Deep Representations with Probabilistic Knowledge
    Transfer" (Passalis and Tefas, ECCV 2018). Features :math:`x_i` of the
    batch (any shape, flattened per image; student and teacher widths may
    differ) are compared through the cosine-similarity kernel

    .. math::

        K(x_i, x_j) = \frac{1}{2}\Big(\frac{x_i^\top x_j}
            {\|x_i\| \|x_j\|} + 1\Big) \in [0, 1],

    normalised into conditional probabilities over the other images

    .. math::

        p_{j|i} = \frac{K(x_i, x_j)}{\sum_{k \ne i} K(x_i, x_k)},
        \quad j \ne i,

    and the student's are pulled to the teacher's by the KL divergence

    .. math::

        L = \frac{1}{B} \sum_{i} \sum_{j \ne i} p^t_{j|i}
            \log\frac{p^t_{j|i} + \epsilon}{p^s_{j|i} + \epsilon}.

    ``include_self=True`` keeps :math:`j = i` in the sums (as several
    reimplementations do); ``reduction`` ``'sum'`` drops the :math:`1/B`,
    ``'mean'`` divides by the number of (i, j) pairs instead. The kernel is
    0 for opposite vectors, hence the :math:`\epsilon` in the ratio.

    The distributions run over the global batch: under DDP student and
    teacher features are all-gathered first
    (:func:`mmlkd.models.utils.gather_batch`), so the value and DDP's
    averaged gradient are those of one process holding the whole batch.
    With one image (a last batch of one) there is no neighbour to compare:
    the loss is 0 (with ``include_self=True`` both distributions are then
    :math:`p_{1|1} = 1` and the formula gives 0 as well).

    Args:
        include_self: keep the self-similarity :math:`j = i`.
        reduction: ``'batchmean'``, ``'sum'`` or ``'mean'``.
        eps: added inside the log ratio.
        loss_weight: multiplier applied to the loss.
    """

    def __init__(self,
                 include_self: bool = False,
                 reduction: str = 'batchmean',
                 eps: float = 1e-7,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_option('PKTLoss', 'reduction', reduction, REDUCTIONS)
        self.include_self = include_self
        self.reduction = reduction
        self.eps = eps
        self.loss_weight = loss_weight

    def conditional_probs(self, x: torch.Tensor) -> torch.Tensor:
        """``B x B`` matrix of :math:`p_{j|i}` (row ``i``) for ``x``."""
        # float32 at least (half precision under AMP); float64 stays float64.
        x = x.flatten(1)
        x = F.normalize(
            x.to(torch.promote_types(x.dtype, torch.float32)), dim=1)
        kernel = (x @ x.t() + 1) / 2
        if not self.include_self:
            eye = torch.eye(x.shape[0], dtype=torch.bool, device=x.device)
            kernel = kernel.masked_fill(eye, 0)
        # clamp: all-opposite neighbours would make a zero row.
        return kernel / kernel.sum(dim=1, keepdim=True).clamp_min(1e-12)

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Loss from student and teacher features ``B x ...``."""
        if preds_S.dim() < 2 or preds_T.dim() < 2:
            raise ValueError(
                'PKTLoss: expected batched features B x ..., got shapes '
                f'{tuple(preds_S.shape)} and {tuple(preds_T.shape)}')
        if preds_S.shape[0] != preds_T.shape[0]:
            raise ValueError(
                f'PKTLoss: student batch {preds_S.shape[0]} differs from '
                f'teacher batch {preds_T.shape[0]} (shapes '
                f'{tuple(preds_S.shape)}, {tuple(preds_T.shape)})')
        preds_S, preds_T = gather_batch(preds_S, preds_T.detach())
        if preds_S.shape[0] < 2:
            # Stay attached to the student: DDP expects a graph every step.
            return 0 * preds_S.float().sum()
        p_s = self.conditional_probs(preds_S)
        p_t = self.conditional_probs(preds_T.detach())
        kl = p_t * ((p_t + self.eps).log() - (p_s + self.eps).log())
        if self.reduction == 'batchmean':
            loss = kl.sum() / kl.shape[0]
        elif self.reduction == 'sum':
            loss = kl.sum()
        else:
            n = kl.shape[0]
            loss = kl.sum() / (n * n if self.include_self else n * (n - 1))
        return self.loss_weight * loss
