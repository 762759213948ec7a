"""Print the recipe card of a config for a number of GPUs, without training.

    python tools/analysis_tools/print_recipe.py CONFIG [--gpus N]
        [--auto-scale-lr] [--size-data] [--cfg-options k=v ...]

The card is the one `tools/train.py` logs before training on N processes:
world size, per-process and global batch, BatchNorm synchronisation,
optimiser and learning rate after scaling, schedule, epochs and iterations,
training pipeline and every loss with its weight. Nothing is read from disk
but the config: iterations per epoch are given when the dataset config states
its size (the generated demo data); `--size-data` builds the training set
(its files must exist) to count them for datasets read from disk.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlkd.utils.launch import add_common_args, load_config


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='mmlkd: print the recipe a config trains')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--gpus',
        type=int,
        default=1,
        help='number of training processes (default 1)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='as tools/train.py --auto-scale-lr')
    parser.add_argument(
        '--size-data',
        action='store_true',
        help='build the training set to count iterations '
        '(reads its annotation files)')
    add_common_args(parser)
    return parser.parse_args(argv)


def recipe_card_text(args: argparse.Namespace) -> str:
    import mmlkd  # noqa: F401  (registers the datasets for --size-data)
    from mmlkd.utils.recipe import apply_recipe, build_recipe_card
    cfg = load_config(args.config, args)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    plan = apply_recipe(cfg, args.gpus)
    size = None
    if args.size_data:
        from mmengine.registry import DefaultScope
        from mmpretrain.registry import DATASETS
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            size = len(DATASETS.build(cfg.train_dataloader.dataset))
    return build_recipe_card(
        cfg, plan, config_name=args.config, dataset_size=size).text()


def main(argv: Optional[List[str]] = None) -> None:
    print(recipe_card_text(parse_args(argv)))


if __name__ == '__main__':
    main()
