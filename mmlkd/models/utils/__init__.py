"""Helpers shared by the model components."""
from .cpu_sync_batchnorm import CPUSyncBatchNorm, convert_cpu_sync_batchnorm
from .gather import gather_batch

__all__ = ['CPUSyncBatchNorm', 'convert_cpu_sync_batchnorm', 'gather_batch']
