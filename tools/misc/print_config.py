"""Print the fully resolved text of a config (bases merged, overrides applied).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]

The config is parsed as ``tools/train.py`` parses it: mmlkd's compatibility
fixes are applied first, so ``mmpretrain::`` bases resolve on environments
whose setuptools no longer ships ``pkg_resources``.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from mmengine.config import Config, DictAction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Print a resolved config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=1')
    return parser.parse_args(argv)


def resolved_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """The parsed config of ``path`` with ``cfg_options`` merged."""
    import mmlkd.compat
    mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases need it
    if not osp.isfile(path):
        raise FileNotFoundError(f'print_config: no such config {path!r}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    text = resolved_config(args.config, args.cfg_options).pretty_text
    print(f'Config:\n{text}')
    return text


if __name__ == '__main__':
    main()
