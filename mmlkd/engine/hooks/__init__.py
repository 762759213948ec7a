"""Training hooks (registered in mmengine's HOOKS registry on import)."""
from .channels_last_hook import ChannelsLastHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .loss_grad_norm_hook import LossGradNormHook
from .paired_init_hook import PairedInitHook
from .recipe_card_hook import RecipeCardHook
from .rng_state_hook import RNGStateHook, get_rng_state, set_rng_state
from .test_pictures_hook import TestPicturesHook

__all__ = [
    'ChannelsLastHook', 'FiniteLossHook', 'LossGradNormHook',
    'NonFiniteLossError', 'PairedInitHook', 'RecipeCardHook', 'RNGStateHook',
    'TestPicturesHook', 'get_rng_state', 'set_rng_state'
]
