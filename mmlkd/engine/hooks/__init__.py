"""Training hooks (registered in mmengine's HOOKS registry on import)."""
from .channels_last_hook import ChannelsLastHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .recipe_card_hook import RecipeCardHook
from .rng_state_hook import RNGStateHook, get_rng_state, set_rng_state

__all__ = [
    'ChannelsLastHook', 'FiniteLossHook', 'NonFiniteLossError',
    'RecipeCardHook', 'RNGStateHook', 'get_rng_state', 'set_rng_state'
]
