"""Partial-softmax KD: a softmax per positive label and the negatives."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from .utils import check_multi_hot, check_positive, check_same_shape


@MODELS.register_module()
class PartialSoftmaxKDLoss(nn.Module):
    r"""Softmax KD restricted to each positive label and the negatives.

    A softmax over all classes makes the positives of a multi-label image
    compete with each other. The partial softmax, a baseline of multi-label
    KD tables (specified in ``docs/methods.md`` §6; it has
    no single reference paper), instead builds, for image :math:`i` and each
    positive :math:`p \in P_i` (:math:`N_i` the negatives), a distribution
    over :math:`S_{ip} = N_i \cup \{p\}`:

    .. math::

        q_{ip}(k) = \frac{\exp(z_{ik} / T)}{\sum_{j \in S_{ip}}
            \exp(z_{ij} / T)}, \quad k \in S_{ip},

    .. math::

        L = \frac{T^2}{B} \sum_{i=1}^{B} \sum_{p \in P_i}
            \mathrm{KL}\big(q^t_{ip} \,\|\, q^s_{ip}\big).

    Images without positives contribute nothing (but count in ``B``). An
    image whose labels are all positive has :math:`S_{ip} = \{p\}` and KL 0.

    Computed in :math:`O(BC)` without forming the :math:`B \times C \times C`
    masks: with :math:`L^N_i = \mathrm{logsumexp}_{n \in N_i} z_{in}`,
    :math:`r_{in}` the teacher softmax over :math:`N_i` alone,
    :math:`A_i = \sum_{n} r_{in}(z^t_{in} - z^s_{in})`,
    :math:`\ell_{ip} = \mathrm{logaddexp}(L^N_i, z_{ip})` and
    :math:`\pi_{ip} = \sigma(z^t_{ip} - L^{N,t}_i)` (the teacher's mass on
    :math:`p`), each term is

    .. math::

        \mathrm{KL}_{ip} = (1 - \pi_{ip}) A_i
            + \pi_{ip} (z^t_{ip} - z^s_{ip}) + \ell^s_{ip} - \ell^t_{ip}

    (logits divided by :math:`T` throughout).

    Args:
        tau: temperature ``T``.
        loss_weight: multiplier applied to the loss.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        check_positive('PartialSoftmaxKDLoss', 'tau', tau)
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """Loss from logits ``B x C`` and multi-hot targets ``B x C``."""
        check_same_shape('PartialSoftmaxKDLoss', preds_S, preds_T, ndim=2)
        check_multi_hot('PartialSoftmaxKDLoss', target, preds_S)
        z_s = preds_S.float() / self.tau
        z_t = preds_T.detach().float() / self.tau
        pos = target.to(z_s.device) > 0.5
        neg = ~pos
        has_neg = neg.any(dim=1, keepdim=True)
        # Rows without negatives get a dummy all-visible mask so every
        # intermediate stays finite (an all -inf logsumexp has a NaN
        # gradient); their negative terms are weighted by 0 below.
        neg_mask = neg | ~has_neg
        minus_inf = torch.finfo(z_s.dtype).min
        lse_neg_s = z_s.masked_fill(~neg_mask, minus_inf).logsumexp(
            dim=1, keepdim=True)
        zt_masked = z_t.masked_fill(~neg_mask, minus_inf)
        lse_neg_t = zt_masked.logsumexp(dim=1, keepdim=True)
        r_t = F.softmax(zt_masked, dim=1)
        a = (r_t * (z_t - z_s)).sum(dim=1, keepdim=True)
        # Empty negative set: its log-mass is -inf, i.e. the set is {p}.
        no_neg = torch.full_like(lse_neg_s, float('-inf'))
        lse_neg_s = torch.where(has_neg, lse_neg_s, no_neg)
        lse_neg_t = torch.where(has_neg, lse_neg_t, no_neg)
        a = torch.where(has_neg, a, torch.zeros_like(a))

        ell_s = torch.logaddexp(lse_neg_s, z_s)  # B x C: one per p
        ell_t = torch.logaddexp(lse_neg_t, z_t)
        mass_p = torch.sigmoid(z_t - lse_neg_t)
        kl = (1 - mass_p) * a + mass_p * (z_t - z_s) + ell_s - ell_t
        kl = torch.where(pos, kl, torch.zeros_like(kl))
        loss = kl.sum() / kl.shape[0]
        return self.loss_weight * self.tau**2 * loss
