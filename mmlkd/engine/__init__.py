"""Training-loop components (hooks) registered into mmengine's registries."""
from .hooks import RecipeCardHook

__all__ = ['RecipeCardHook']
