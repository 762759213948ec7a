"""mmlkd hooks (registered in mmengine's HOOKS on import)."""
from .channels_last_hook import ChannelsLastHook
from .recipe_card_hook import RecipeCardHook

__all__ = ['ChannelsLastHook', 'RecipeCardHook']
