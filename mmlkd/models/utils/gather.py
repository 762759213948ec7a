"""All-gather of a batch across DDP ranks, with exact gradients."""
from typing import List, Tuple

import torch
from mmengine import dist


class _GatherWithLocalGrad(torch.autograd.Function):
    """Concatenate the ranks' slices; back-propagate ``world x`` the local one.

    ``forward`` receives the local slice and the already gathered slices of
    every rank (detached, rank order); ``backward`` returns the rows of the
    incoming gradient that belong to this rank, multiplied by ``world``.
    """

    @staticmethod
    def forward(ctx, local: torch.Tensor, start: int, world: int, *slices:
                torch.Tensor) -> torch.Tensor:
        ctx.start, ctx.stop, ctx.world = start, start + local.shape[0], world
        return torch.cat(slices, dim=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        local_grad = grad[ctx.start:ctx.stop] * ctx.world
        return (local_grad, None, None) + (None, ) * ctx.world


def _all_gather_rows(x: torch.Tensor, counts: List[int]) -> List[torch.Tensor]:
    """Every rank's ``x`` (detached), padded for the collective, then
    trimmed."""
    data = x.detach()
    if data.dtype == torch.bool:  # not every backend reduces/gathers bool
        return [
            s.bool() for s in _all_gather_rows(data.to(torch.uint8), counts)
        ]
    longest = max(counts)
    if data.shape[0] < longest:
        pad = data.new_zeros((longest - data.shape[0], ) + data.shape[1:])
        data = torch.cat([data, pad], dim=0)
    slices = dist.all_gather(data.contiguous())
    return [s[:n] for s, n in zip(slices, counts)]


def gather_batch(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    r"""All-gather tensors along the batch dim across ranks, keeping autograd.

    Each tensor (``b_r x ...`` on rank ``r``, the same ``b_r`` for all of
    them) is replaced by the concatenation, in rank order, of every rank's
    tensor: ``N x ...`` with :math:`N = \sum_r b_r`. Ranks may hold
    different batch sizes (a last batch that differs between ranks, e.g.
    with ``DefaultSampler(round_up=False)``): the sizes are exchanged first
    and the slices padded for the collective, then trimmed. Without an
    initialised process group, or in a world of one, the inputs are
    returned unchanged. A tensor that requires grad stays in the graph
    through this rank's rows only.

    **Why the local gradient is multiplied by the world size.** DDP
    averages parameter gradients over the :math:`W` ranks. A loss
    :math:`G(z_1, \dots, z_N)` computed from the gathered tensors takes the
    same value on every rank (each rank computes the same function of the
    same rank-ordered data). Rank :math:`r` back-propagates only into its
    own outputs :math:`z_i, i \in r` (the other rows arrive without a
    graph), so with a factor :math:`W` on those rows DDP's mean is

    .. math::

        \frac{1}{W} \sum_r W \sum_{i \in r}
            \frac{\partial G}{\partial z_i} \frac{\partial z_i}{\partial
            \theta}
        = \sum_{i=1}^{N} \frac{\partial G}{\partial z_i}
            \frac{\partial z_i}{\partial \theta}
        = \frac{\partial G}{\partial \theta},

    the single-process gradient of the global-batch loss, whatever the
    per-rank sizes; the value of :math:`G` is not scaled, and no weight
    depends on :math:`W`. An autograd all-gather whose backward sums every
    rank's gradient of its slice (``torch.distributed.nn``'s, deprecated in
    recent torch) gives the same numbers with one more collective per
    backward pass; it is needed only when the ranks' losses differ (a
    term of local rows against the gathered batch), which the losses here
    never compute. Rank-local terms (per-image means) are left out of the
    gather: DDP's average already gives their global mean for equal
    per-rank batches.

    Args:
        *tensors: tensors with the same first (batch) dimension.

    Returns:
        The gathered tensors, in the order given.
    """
    if not tensors:
        return ()
    batch = tensors[0].shape[0]
    if any(t.dim() == 0 or t.shape[0] != batch for t in tensors):
        raise ValueError(
            'gather_batch: every tensor needs the same batch (first) '
            f'dimension; got shapes {[tuple(t.shape) for t in tensors]}')
    world = dist.get_world_size()
    if world == 1:
        return tuple(tensors)
    rank = dist.get_rank()
    size = torch.tensor([batch], dtype=torch.long, device=tensors[0].device)
    counts = [int(s.item()) for s in dist.all_gather(size)]
    start = sum(counts[:rank])
    gathered = []
    for t in tensors:
        slices = _all_gather_rows(t, counts)
        if t.requires_grad:
            gathered.append(
                _GatherWithLocalGrad.apply(t, start, world, *slices))
        else:
            gathered.append(torch.cat(slices, dim=0))
    return tuple(gathered)
