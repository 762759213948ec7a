"""Training-loop components: hooks."""
from .hooks import ChannelsLastHook

__all__ = ['ChannelsLastHook']
