"""LED: label-wise embedding distillation (L2D, ICCV 2023)."""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from ..utils import gather_batch
from .utils import check_multi_hot, check_same_shape


def _pack_sets(
        index: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Member lists of the sets with at least 3 members, largest set first.

    ``index`` is ``N x L`` (the row of the embedding table of each candidate
    member), ``mask`` ``N x L`` bool (who is a member), ``weight`` ``N`` (the
    set's factor in the loss). Returns ``index`` and ``mask`` of shape
    ``N' x K`` and ``weight`` of ``N'``: the ``N'`` sets with >= 3 members,
    sorted by decreasing size, each with its members first, ``K`` the largest
    size. Only these small index tensors are reordered.

    Smaller sets are left out because they add exactly 0 to the loss and its
    gradient: a set of 2 has one distance ``d`` each way, whose positive mean
    is ``(d + d) / 2 = d`` in floating point too, so both normalised distances
    are exactly 1 for student and teacher alike.
    """
    sizes = mask.sum(dim=1)
    keep = (sizes >= 3).nonzero().squeeze(1)
    keep = keep[torch.argsort(sizes[keep], descending=True, stable=True)]
    index, mask, weight = index[keep], mask[keep], weight[keep]
    k = int(sizes[keep[0]]) if len(keep) else 0
    # A stable descending sort brings each set's members to the front.
    order = torch.sort(
        mask.to(torch.uint8), dim=1, descending=True,
        stable=True).indices[:, :k]
    return torch.gather(index, 1, order), torch.gather(mask, 1, order), weight


def _size_buckets(sizes: List[int]) -> List[Tuple[int, int, int]]:
    """Split sets sorted by decreasing size into ``(start, end, width)`` runs.

    A run holds the sets whose size lies within a factor 2 of its first
    (largest) one, so padding each to the run's ``width`` wastes less than
    3/4 of its ``width x width`` pairs, while the number of runs (one batched
    computation each) grows only with the log of the largest size. Padding
    every set to the largest one instead makes the cost the number of sets
    times the square of the largest, which label statistics with one
    frequent class (COCO's person, in half the images) make 10-100x larger
    than the sum of the sets' own squares.
    """
    runs = []
    start = 0
    while start < len(sizes):
        width = sizes[start]
        end = start
        while end < len(sizes) and 2 * sizes[end] > width:
            end += 1
        runs.append((start, end, width))
        start = end
    return runs


def _normalized_distances(emb: torch.Tensor, sq: torch.Tensor,
                          pair_mask: torch.Tensor, eps: float) -> torch.Tensor:
    """Pairwise distances of each padded set divided by their positive mean.

    ``emb`` is ``N x K x D``, ``sq`` its squared norms ``N x K``,
    ``pair_mask`` ``N x K x K`` (member pairs a != b). Distances follow the
    reference: ``sqrt(clamp(|a|^2 + |b|^2 - 2 a.b, eps))`` with a zero
    diagonal; the mean runs over member pairs with d > 0.
    """
    gram = torch.bmm(emb, emb.transpose(1, 2))
    dist = (sq.unsqueeze(2) + sq.unsqueeze(1) - 2 * gram).clamp(min=eps).sqrt()
    # Padding and the diagonal are zeroed with where (not a product) so that
    # no gradient flows through entries outside the set.
    dist = torch.where(pair_mask, dist, torch.zeros_like(dist))
    positive = dist > 0
    mean = dist.sum(dim=(1, 2)) / positive.sum(dim=(1, 2)).clamp(min=1)
    # mean > 0 for every packed set (>= 2 members, distances >= sqrt(eps)).
    return dist / mean.clamp(min=torch.finfo(dist.dtype).tiny).view(-1, 1, 1)


def _set_losses(table_S: torch.Tensor, table_T: torch.Tensor,
                sq_S: torch.Tensor, sq_T: torch.Tensor, index: torch.Tensor,
                mask: torch.Tensor, eps: float) -> torch.Tensor:
    """``psi`` of every packed set: ``sum_ab smoothL1(d_s, d_t) / M``.

    ``table_*`` are ``P x D`` embedding tables, ``sq_*`` their rows' squared
    norms, ``index`` / ``mask`` the ``N x K`` packed sets (rows of the
    tables, members first). Returns ``N`` values.
    """
    n, k = index.shape
    flat = index.flatten()
    eye = torch.eye(k, dtype=torch.bool, device=mask.device)
    pair_mask = mask.unsqueeze(2) & mask.unsqueeze(1) & ~eye
    d_s = _normalized_distances(
        table_S.index_select(0, flat).view(n, k, -1),
        sq_S.index_select(0, flat).view(n, k), pair_mask, eps)
    with torch.no_grad():
        d_t = _normalized_distances(
            table_T.index_select(0, flat).view(n, k, -1),
            sq_T.index_select(0, flat).view(n, k), pair_mask, eps)
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
    over classes and images in Python; here sets of similar size (within a
    factor 2) are packed into one padded batch each, whose pairwise matrices
    come from one ``bmm`` per side, so the cost follows the sum of the sets'
    squared sizes even when one class is in most images.

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
        device = mask.device
        # Only positives belong to a set: gather them once into P x D tables
        # so that each run of sets reads (and back-propagates into) those P
        # rows, not the whole B*C x D grid.
        rows = mask.flatten().nonzero().squeeze(1)
        table_S = emb_S.reshape(B * C, D).index_select(0, rows)
        table_T = emb_T.reshape(B * C, D).index_select(0, rows)
        slot = torch.zeros(B * C, dtype=torch.long, device=device)
        slot[rows] = torch.arange(len(rows), device=device)
        # Cell (i, c) is table row slot[i * C + c] when positive. ID sets are
        # the rows of this grid (image i, members c), CD sets its columns
        # (class c, members i); both kinds are packed together.
        grid = slot.view(B, C)
        width = max(B, C)
        families = []
        if self.cd_weight > 0:
            families.append((grid.t(), mask.t(), self.cd_weight))
        if self.id_weight > 0:
            families.append((grid, mask, self.id_weight))
        if not families:
            return emb_S.sum() * 0
        index = torch.cat(
            [F.pad(i, (0, width - i.shape[1])) for i, _, _ in families])
        member = torch.cat(
            [F.pad(m, (0, width - m.shape[1])) for _, m, _ in families])
        weight = torch.cat([
            torch.full((i.shape[0], ), w, dtype=dtype, device=device)
            for i, _, w in families
        ])
        index, member, weight = _pack_sets(index, member, weight)
        if index.shape[0] == 0:
            # No set has 3 members. Stay attached to the student so the
            # graph reaches its parameters (DDP expects that every step).
            return emb_S.sum() * 0
        # Sets of similar size share one padded batch (see _size_buckets).
        sizes = member.sum(dim=1).tolist()
        sq_S = table_S.pow(2).sum(dim=-1)
        sq_T = table_T.pow(2).sum(dim=-1)
        total = emb_S.new_zeros(())
        for start, end, k in _size_buckets(sizes):
            per_set = _set_losses(table_S, table_T, sq_S, sq_T,
                                  index[start:end, :k], member[start:end, :k],
                                  self.eps)
            total = total + (weight[start:end] * per_set).sum()
        return self.loss_weight * total
