"""Training-loop components (hooks) registered into mmengine's registries."""
from .hooks import ChannelsLastHook, RecipeCardHook

__all__ = ['ChannelsLastHook', 'RecipeCardHook']
