"""DDP for CPU processes whose BatchNorm statistics span the global batch."""
import torch.nn as nn
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS

from mmlkd.models.utils import convert_cpu_sync_batchnorm


@MODEL_WRAPPERS.register_module()
class CPUSyncBNDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that first turns every BatchNorm layer
    into :class:`~mmlkd.models.utils.CPUSyncBatchNorm`.

    What ``sync_bn='torch'`` does on GPUs, for gloo processes on the CPU
    (where ``torch.nn.SyncBatchNorm`` cannot run): ``tools/train.py``
    selects it when a config declares ``sync_bn`` and the launch has
    several processes but no CUDA device.
    """

    def __init__(self, module: nn.Module, **kwargs) -> None:
        super().__init__(module=convert_cpu_sync_batchnorm(module), **kwargs)
