"""Helpers shared by the model components."""
from .gather import gather_batch

__all__ = ['gather_batch']
