"""BatchNorm whose training statistics span every process, on the CPU."""
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


class _AllGatherStack(torch.autograd.Function):
    """Every rank's ``x``, stacked in rank order (``W x ...``).

    Not :func:`~mmlkd.models.utils.gather_batch`: its backward assumes a
    loss of the same value on every rank, while here each rank normalises
    its own images with the gathered statistics.

    Backward: each rank's loss depends on every rank's slice, so the
    gradient of rank ``r``'s own ``x`` is the sum over ranks of their
    incoming gradient's row ``r``: one all-reduce, then this rank's row.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        x = x.detach().contiguous()
        slices = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(slices, x)
        return torch.stack(slices)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        return grad[dist.get_rank()]


class CPUSyncBatchNorm(_BatchNorm):
    r"""BatchNorm over the global batch of a gloo process group.

    ``torch.nn.SyncBatchNorm`` refuses CPU tensors, so a recipe that
    declares ``sync_bn`` and runs as several CPU processes would otherwise
    normalise each process's slice on its own, and train a different model
    than one process holding the whole batch. This layer normalises with
    the statistics of the concatenated batch (per channel :math:`c`, images
    and positions :math:`i` of every rank, :math:`N` of them in all):

    .. math::
        \mu_c = \frac{1}{N} \sum_i x_{ic}, \qquad
        \sigma^2_c = \frac{1}{N} \sum_i (x_{ic} - \mu_c)^2, \qquad
        y_{ic} = \gamma_c \frac{x_{ic} - \mu_c}{\sqrt{\sigma^2_c +
        \epsilon}} + \beta_c .

    Each rank :math:`r` sends its count :math:`n_r`, mean :math:`\mu_r`
    and sum of squared deviations :math:`M_r` in one differentiable
    all-gather, and every rank merges them the same way (Chan et al.'s
    pairwise formula): :math:`\mu = \sum_r n_r \mu_r / N`,
    :math:`N \sigma^2 = \sum_r M_r + n_r (\mu_r - \mu)^2`. One collective
    per layer and pass matters on gloo, where each costs milliseconds, and
    no :math:`E[x^2] - \mu^2` cancellation occurs. The backward sums every
    rank's gradient of the gathered statistics, so after DDP averages the
    parameter gradients they are those of one process holding the whole
    batch. Running statistics are updated from the global :math:`\mu` and
    the unbiased :math:`\frac{N}{N-1}\sigma^2`, identically on every rank,
    as ``nn.BatchNorm`` does.

    Outside training, without an initialised process group or in a world
    of one, it is plain BatchNorm of any input rank.
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(
                f'CPUSyncBatchNorm expects N x C [x ...] input, got '
                f'{input.dim()}D')

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(input)
        synced = (
            self.training and dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1)
        if not synced:
            return super().forward(input)
        if self.momentum is None:
            raise NotImplementedError(
                'CPUSyncBatchNorm: momentum=None (a cumulative average) is '
                'not supported')
        dims = [0] + list(range(2, input.dim()))
        shape = [1, -1] + [1] * (input.dim() - 2)
        count = input.numel() // input.shape[1]
        local_mean = input.mean(dims)
        local_m2 = ((input - local_mean.view(shape))**2).sum(dims)
        stats = _AllGatherStack.apply(
            torch.cat([input.new_tensor([float(count)]), local_mean,
                       local_m2]))
        counts = stats[:, :1]  # W x 1
        means, m2s = stats[:, 1:].chunk(2, dim=1)  # W x C each
        total = counts.sum()
        mean = (counts * means).sum(0) / total
        var = (m2s + counts * (means - mean)**2).sum(0) / total
        centred = input - mean.view(shape)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                n = float(total)
                unbiased = var.detach() * (n / max(n - 1.0, 1.0))
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(unbiased, self.momentum)
        out = centred * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out


def convert_cpu_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every BatchNorm layer of ``module`` by a
    :class:`CPUSyncBatchNorm` holding the same parameters and buffers.

    The parameter and buffer tensors themselves are moved over (not
    copied), so an optimizer or checkpoint built before the conversion
    still refers to the live values, and state-dict keys are unchanged.
    """
    if isinstance(module,
                  _BatchNorm) and not isinstance(module, CPUSyncBatchNorm):
        new = CPUSyncBatchNorm(module.num_features, module.eps,
                               module.momentum, module.affine,
                               module.track_running_stats)
        if module.affine:
            new.weight, new.bias = module.weight, module.bias
        if module.track_running_stats:
            new.running_mean = module.running_mean
            new.running_var = module.running_var
            new.num_batches_tracked = module.num_batches_tracked
        new.train(module.training)
        if hasattr(module, 'qconfig'):
            new.qconfig = module.qconfig
        return new
    for name, child in module.named_children():
        new_child = convert_cpu_sync_batchnorm(child)
        if new_child is not child:
            module.add_module(name, new_child)
    return module
