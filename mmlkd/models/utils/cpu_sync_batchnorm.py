"""BatchNorm whose training statistics span every process, on the CPU."""
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.distributed.nn.functional import all_reduce
from torch.nn.modules.batchnorm import _BatchNorm


class CPUSyncBatchNorm(_BatchNorm):
    r"""BatchNorm over the global batch of a gloo process group.

    ``torch.nn.SyncBatchNorm`` refuses CPU tensors, so a recipe that
    declares ``sync_bn`` and runs as several CPU processes would otherwise
    normalise each process's slice on its own, and train a different model
    than one process holding the whole batch. This layer computes the
    statistics of the concatenated batch with two differentiable
    all-reduces (per channel :math:`c`, images and positions :math:`i` of
    every rank, :math:`N` of them in all):

    .. math::
        \mu_c = \frac{1}{N} \sum_i x_{ic}, \qquad
        \sigma^2_c = \frac{1}{N} \sum_i (x_{ic} - \mu_c)^2, \qquad
        y_{ic} = \gamma_c \frac{x_{ic} - \mu_c}{\sqrt{\sigma^2_c +
        \epsilon}} + \beta_c .

    The variance takes a second reduction around the global mean rather
    than :math:`E[x^2] - \mu^2`, which cancels badly in float32. The
    backward of each all-reduce sums the incoming gradients of all ranks,
    so after DDP averages the parameter gradients they are those of one
    process holding the whole batch. Running statistics are updated from
    the global :math:`\mu` and the unbiased :math:`\frac{N}{N-1}\sigma^2`,
    identically on every rank, as ``nn.BatchNorm`` does.

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
        synced = (self.training and dist.is_available()
                  and dist.is_initialized() and dist.get_world_size() > 1)
        if not synced:
            return super().forward(input)
        if self.momentum is None:
            raise NotImplementedError(
                'CPUSyncBatchNorm: momentum=None (a cumulative average) is '
                'not supported')
        dims = [0] + list(range(2, input.dim()))
        shape = [1, -1] + [1] * (input.dim() - 2)
        count = input.numel() // input.shape[1]
        # The sum and the count travel together: one collective.
        packed = torch.cat([input.sum(dims),
                            input.new_tensor([float(count)])])
        packed = all_reduce(packed)
        total = packed[-1]
        mean = packed[:-1] / total
        centred = input - mean.view(shape)
        var = all_reduce((centred * centred).sum(dims)) / total
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
    if isinstance(module, _BatchNorm) and not isinstance(
            module, CPUSyncBatchNorm):
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

