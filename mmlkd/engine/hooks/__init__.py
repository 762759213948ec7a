"""mmlkd hooks (registered in mmengine's HOOKS on import)."""
from .channels_last_hook import ChannelsLastHook

__all__ = ['ChannelsLastHook']
