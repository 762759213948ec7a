"""Model wrappers (registered in mmengine's MODEL_WRAPPERS on import)."""
from .cpu_sync_bn_ddp import CPUSyncBNDistributedDataParallel

__all__ = ['CPUSyncBNDistributedDataParallel']
