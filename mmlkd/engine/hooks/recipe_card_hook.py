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

    @staticmethod
    def _resume_notes(runner) -> List[str]:
        """What a resumed run really continues with.

        The card's optimizer and schedule rows are the config's; after
        ``--resume`` the optimizer state (and so the lr in force) is the
        checkpoint's, which may differ from the config's (a changed lr in
        the config does not apply to a resumed run).
        """
        resumed = getattr(runner, 'resumed_from', None)
        if not resumed:
            return []
        lrs = runner.optim_wrapper.get_lr().get('lr', [])
        now = ', '.join(f'{lr:.6g}' for lr in sorted(set(lrs)))
        return [
            f'resumed from {resumed} at epoch {runner.epoch}, iteration '
            f'{runner.iter}: the optimizer and schedule continue from '
            f"the checkpoint's state, lr now {now} (the optimizer row "
            'above is the config\'s)'
        ]

    def before_train(self, runner) -> None:
        cfg = runner.cfg
        plan = resolve_batch(cfg, runner.world_size)
        loader = runner.train_dataloader
        name = cfg.filename or ''
        if name and not osp.relpath(name).startswith('..'):
            name = osp.relpath(name)
        card = build_recipe_card(
            cfg,
            plan,
            config_name=name,
            dataset_size=len(loader.dataset),
            notes=self.notes + self._resume_notes(runner))
        card.iters_per_epoch = len(loader)
        runner.logger.info(card.text())
