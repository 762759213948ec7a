from .recipe_card_hook import RecipeCardHook

__all__ = ['RecipeCardHook']
