"""Log the recipe card when training starts."""
import os.path as osp
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from mmlkd.utils.recipe import build_recipe_card, resolve_batch


@HOOKS.register_module()
class RecipeCardHook(Hook):
    """Log what the run trains: batch, lr, schedule, pipeline, loss weights.

    Runs before the first iteration, once the training loader exists, so the
    iterations per epoch are those of the built loader. ``tools/train.py``
    adds it to every run; ``print_recipe.py`` prints the same card without
    training.

    Args:
        notes: lines added to the card (what the launch changed, e.g.
            ``sync_bn`` run as CPUSyncBatchNorm on a machine without GPU).
    """
    priority = 'VERY_HIGH'

    def __init__(self, notes: Optional[List[str]] = None) -> None:
        self.notes = list(notes or [])

    def before_train(self, runner) -> None:
        cfg = runner.cfg
        plan = resolve_batch(cfg, runner.world_size)
        loader = runner.train_dataloader
        name = cfg.filename or ''
        if name and not osp.relpath(name).startswith('..'):
            name = osp.relpath(name)
        card = build_recipe_card(
            cfg, plan, config_name=name, dataset_size=len(loader.dataset),
            notes=self.notes)
        card.iters_per_epoch = len(loader)
        runner.logger.info(card.text())
