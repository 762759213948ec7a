"""Shared set-up of tools/train.py and tools/test.py."""
import argparse
import os
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction


def add_common_args(parser: argparse.ArgumentParser) -> None:
    from mmlkd.compat import add_local_rank_argument
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.teacher_ckpt=PATH')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (dist_train.sh / dist_test.sh use pytorch)')
    add_local_rank_argument(parser)


def load_config(path: str, args: argparse.Namespace) -> Config:
    """Parse a config with mmlkd's fixes applied and the CLI overrides merged."""
    import mmlkd.compat
    mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases need it
    if not os.path.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    if args.cfg_options is not None:
        from .config_checks import check_cfg_option_keys
        check_cfg_option_keys(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        name = os.path.splitext(os.path.basename(path))[0]
        cfg.work_dir = os.path.join('./work_dirs', name)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return cfg


def setup_cpu_distributed(cfg: Config) -> Optional[str]:
    """Run ``--launcher pytorch`` on machines without a GPU.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and fails
    without CUDA. Here the process group is created with gloo before the
    Runner is built (the Runner then skips its own init), and DDP is wrapped
    with ``device_ids=None`` as CPU modules require. Returns the backend used,
    or None when nothing was done.
    """
    if cfg.launcher != 'pytorch' or torch.cuda.is_available():
        return None
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    return 'gloo'


def build_runner(cfg: Config, config_path: str):
    """Build the config's runner type, mmlkd's ``LKDRunner`` by default.

    Every mmlkd config names ``LKDRunner`` (``default_runtime.py``); a
    config that names none gets it too, so a checkpoint is never resumed by
    mmengine's plain Runner, which executes the config text stored in it.
    A config naming an unknown type fails here, before any data is loaded;
    the error is re-raised with the config file named.
    """
    from mmengine.registry import RUNNERS

    import mmlkd.engine  # noqa: F401  (registers LKDRunner)
    try:
        if 'runner_type' not in cfg:
            cfg.runner_type = 'LKDRunner'
        return RUNNERS.build(cfg)
    except KeyError as e:
        msg = e.args[0] if e.args else str(e)
        if 'registry' in str(msg):
            raise KeyError(f'{config_path}: {msg}') from e
        raise
