"""Model wrappers registered in mmlkd's MODEL_WRAPPERS."""
from .cpu_sync_bn_ddp import CPUSyncBNDistributedDataParallel

__all__ = ['CPUSyncBNDistributedDataParallel']
