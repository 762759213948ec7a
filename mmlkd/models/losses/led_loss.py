"""LED: label-wise embedding distillation (L2D, ICCV 2023)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from ..utils import gather_batch
from .utils import check_multi_hot, check_same_shape


def _pack_sets(index: torch.Tensor,
               mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Padded member lists of the sets with at least 2 members.

    ``index`` is ``N x L`` (the row of the flattened ``B*C x D`` embedding
    table of each candidate member), ``mask`` ``N x L`` bool (who is a member).
    Returns ``index`` and ``mask`` of shape ``N' x K`` where ``N'`` counts the
    sets with >= 2 members (the others contribute 0) and ``K`` is the largest
    set: multi-label targets are sparse, so ``K x K`` pairwise matrices are far
    smaller than ``L x L`` ones. Only these small index tensors are reordered;
    the embeddings are read once, by ``index_select``.
    """
    sizes = mask.sum(dim=1)
    keep = sizes >= 2
    index, mask = index[keep], mask[keep]
    if index.shape[0] == 0:
        return index[:, :0], mask[:, :0]
    k = int(sizes.max())
    # A stable descending sort brings each set's members to the front.
    order = torch.sort(mask.to(torch.uint8), dim=1, descending=True,
                       stable=True).indices[:, :k]
    return torch.gather(index, 1, order), torch.gather(mask, 1, order)


def _normalized_distances(emb: torch.Tensor, pair_mask: torch.Tensor,
                          eps: float) -> torch.Tensor:
    """Pairwise distances of each padded set divided by their positive mean.

    ``emb`` is ``N x K x D``, ``pair_mask`` ``N x K x K`` (member pairs a != b).
    Distances follow the reference: ``sqrt(clamp(|a|^2 + |b|^2 - 2 a.b, eps))``
    with a zero diagonal; the mean runs over member pairs with d > 0.
    """
    sq = emb.pow(2).sum(dim=-1)
    gram = torch.bmm(emb, emb.transpose(1, 2))
    dist = (sq.unsqueeze(2) + sq.unsqueeze(1) - 2 * gram).clamp(min=eps).sqrt()
    # Padding and the diagonal are zeroed with where (not a product) so that
    # no gradient flows through entries outside the set.
    dist = torch.where(pair_mask, dist, torch.zeros_like(dist))
    positive = dist > 0
    mean = dist.sum(dim=(1, 2)) / positive.sum(dim=(1, 2)).clamp(min=1)
    # mean > 0 for every packed set (>= 2 members, distances >= sqrt(eps)).
    return dist / mean.clamp(min=torch.finfo(dist.dtype).tiny).view(-1, 1, 1)


def _set_losses(flat_S: torch.Tensor, flat_T: torch.Tensor,
                index: torch.Tensor, mask: torch.Tensor,
                eps: float) -> torch.Tensor:
    """``psi`` of every packed set: ``sum_ab smoothL1(d_s, d_t) / M``.

    ``flat_*`` are the ``B*C x D`` embedding tables, ``index`` / ``mask`` the
    ``N x K`` packed sets of :func:`_pack_sets`. Returns ``N`` values.
    """
    n, k = index.shape
    emb_S = flat_S.index_select(0, index.flatten()).view(n, k, -1)
    emb_T = flat_T.index_select(0, index.flatten()).view(n, k, -1)
    eye = torch.eye(k, dtype=torch.bool, device=mask.device)
    pair_mask = mask.unsqueeze(2) & mask.unsqueeze(1) & ~eye
    d_s = _normalized_distances(emb_S, pair_mask, eps)
    with torch.no_grad():
        d_t = _normalized_distances(emb_T, pair_mask, eps)
    # Padded entries are 0 on both sides, so they add exactly 0.
    per_pair = F.smooth_l1_loss(d_s, d_t, reduction='none', beta=1.0)
    return per_pair.sum(dim=(1, 2)) / mask.sum(dim=1).to(per_pair.dtype)


@MODELS.register_module()
class LEDLoss(nn.Module):
    r"""Label-wise embedding distillation: class- and instance-aware RKD.

    From "Multi-Label Knowledge Distillation" (Yang et al., ICCV 2023,
    arXiv:2308.06453). The inputs are the label-wise embeddings
    :math:`h \in \mathbb{R}^{B \times C \times D}` of the student and the
    teacher (ML-Decoder outputs) and the multi-hot targets :math:`y`.

    For a set of :math:`M` embeddings :math:`E`, with
    :math:`d_{ab} = \sqrt{\max(|e_a|^2 + |e_b|^2 - 2 e_a \cdot e_b,
    10^{-12})}` (:math:`d_{aa} = 0`) and
    :math:`\tilde d = d / \mathrm{mean}\{d_{ab} > 0\}`,

    .. math::

        \psi(E^s, E^t) = \frac{1}{M} \sum_{a, b}
            \mathrm{smoothL1}_{\beta=1}(\tilde d^s_{ab}, \tilde d^t_{ab})

    * class-aware (CD): for every class :math:`c`, the set
      :math:`\{h_{ic} : y_{ic} = 1\}` over images;
    * instance-aware (ID): for every image :math:`i`, the set
      :math:`\{h_{ic} : y_{ic} = 1\}` over classes;

    .. math::

        L_{LED} = \lambda_{CD} \sum_c \psi_c + \lambda_{ID} \sum_i \psi_i

    Sets with fewer than 2 members contribute 0 (and a set of exactly 2
    contributes 0 too: both normalised distances are 1). The reference loops
    over classes and images in Python; here every set is packed into one
    padded batch and all pairwise matrices come from one ``bmm`` per side.

    Both sums run over the global batch: under DDP the embeddings and
    targets are all-gathered first (:func:`mmlkd.models.utils.gather_batch`),
    so the CD sets hold every image of the class and :math:`\sum_i` counts
    every image, whatever the number of processes; the value and DDP's
    averaged gradient are those of one process holding the whole batch, and
    the weights (e.g. ``loss_weight = 1 / 64`` for a global batch of 64)
    never depend on the number of processes. A batch of one image has no CD
    set of 2 members: only its ID set counts.

    Args:
        cd_weight: :math:`\lambda_{CD}` (paper: 100).
        id_weight: :math:`\lambda_{ID}` (paper: 1000).
        loss_weight: multiplier applied to the whole loss.
        eps: clamp of the squared distances (reference: 1e-12).
    """

    def __init__(self,
                 cd_weight: float = 100.0,
                 id_weight: float = 1000.0,
                 loss_weight: float = 1.0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if cd_weight < 0 or id_weight < 0:
            raise ValueError('LEDLoss: cd_weight and id_weight must be >= 0, '
                             f'got {cd_weight} and {id_weight}')
        self.cd_weight = cd_weight
        self.id_weight = id_weight
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S: student label-wise embeddings ``B x C x D``.
            preds_T: teacher label-wise embeddings ``B x C x D``.
            target: multi-hot targets ``B x C`` in {0, 1}.
        """
        check_same_shape('LEDLoss', preds_S, preds_T, ndim=3)
        check_multi_hot('LEDLoss', target, preds_S)
        preds_S, preds_T, target = gather_batch(preds_S, preds_T.detach(),
                                                target)
        # Half precision loses the |a|^2 + |b|^2 - 2ab cancellation (|h|^2 is
        # about 768 after the decoder's LayerNorm) and the 1e-12 clamp, so the
        # loss runs in float32 (float64 inputs keep float64) with autocast
        # off: under AMP, autocast would run the bmm in half precision again.
        with torch.autocast(device_type=preds_S.device.type, enabled=False):
            return self._forward(preds_S, preds_T, target)

    def _forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                 target: torch.Tensor) -> torch.Tensor:
        dtype = torch.promote_types(preds_S.dtype, torch.float32)
        emb_S = preds_S.to(dtype)
        emb_T = preds_T.detach().to(dtype)
        mask = target > 0.5
        B, C, D = emb_S.shape
        flat_S = emb_S.reshape(B * C, D)
        flat_T = emb_T.reshape(B * C, D)
        # Row (i, c) of the flat table is i * C + c. ID sets are the rows of
        # this grid (image i, members c), CD sets its columns (class c,
        # members i); both kinds go through one padded batch.
        grid = torch.arange(B * C, device=mask.device).view(B, C)
        families = []
        if self.cd_weight > 0:
            families.append((grid.t(), mask.t(), self.cd_weight))
        if self.id_weight > 0:
            families.append((grid, mask, self.id_weight))
        packed = [_pack_sets(index, m) for index, m, _ in families]
        k = max([index.shape[1] for index, _ in packed], default=0)
        if k == 0:
            # No set has 2 members. Stay attached to the student so the
            # graph reaches its parameters (DDP expects that every step).
            return emb_S.sum() * 0
        index = torch.cat([F.pad(i, (0, k - i.shape[1])) for i, _ in packed])
        member = torch.cat([F.pad(m, (0, k - m.shape[1])) for _, m in packed])
        weights = torch.cat([
            torch.full((i.shape[0], ), w, dtype=dtype, device=mask.device)
            for (i, _), (_, _, w) in zip(packed, families)
        ])
        per_set = _set_losses(flat_S, flat_T, index, member, self.eps)
        return self.loss_weight * (weights * per_set).sum()
