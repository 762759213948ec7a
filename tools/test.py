"""Evaluate a checkpoint with an mmlkd config.

    python tools/test.py CONFIG CHECKPOINT \
        [--out FILE [--out-item pred|metrics]] \
        [--show-dir DIR [--interval N]] [--work-dir DIR] \
        [--cfg-options k=v ...] [--launcher none|pytorch]

With a distillation config the student is evaluated. ``--out`` and
``--out-item`` are mmpretrain's: ``pred`` (the default) dumps the per-image
predictions (a .pkl), ``metrics`` the metrics (.json, .yaml or .pkl).
``--show-dir`` saves a picture of every ``--interval``-th test image with
its true and predicted labels (mmpretrain's UniversalVisualizer).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlkd.utils.launch import (add_common_args, build_runner, load_config,
                                setup_cpu_distributed)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmlkd: test a checkpoint')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='dump the per-image predictions (a '
        '.pkl) or, with --out-item metrics, the metrics here')
    parser.add_argument(
        '--out-item',
        choices=['pred', 'metrics'],
        help="what --out holds: 'pred' (default) or "
        "'metrics'")
    parser.add_argument(
        '--show-dir',
        help='save pictures of the test images '
        'with their true and predicted labels here')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='with --show-dir, every N-th image (default 1)')
    add_common_args(parser)
    return parser.parse_args(argv)


def drop_sync_bn_without_cuda(cfg) -> None:
    """Testing needs no ``sync_bn`` where no GPU is visible.

    mmengine converts the model to ``torch.nn.SyncBatchNorm`` whenever a
    run is distributed, and those layers refuse CPU tensors ("SyncBatchNorm
    layers only work with GPU modules"), so ``dist_test.sh`` on gloo failed
    for every config whose schedule sets ``sync_bn``. In evaluation
    BatchNorm normalises with its running statistics, which are the same on
    every process: there is nothing to synchronise, and each process scores
    exactly what one process would.
    """
    import torch
    if cfg.get('sync_bn') is not None and not torch.cuda.is_available():
        cfg.pop('sync_bn')


def add_test_pictures(cfg, show_dir: str, interval: int = 1) -> None:
    """Replace the visualization hook by one saving every ``interval``-th
    test image, with its true and predicted labels, in ``show_dir``."""
    if interval < 1:
        raise ValueError(f'--interval must be >= 1, got {interval}')
    from mmlkd.visualization import pipeline_channel_order
    pipeline = (cfg.get('test_dataloader') or {}).get('dataset',
                                                      {}).get('pipeline', [])
    model = cfg.get('model') or {}
    pre = model.get('data_preprocessor') or cfg.get('data_preprocessor')
    cfg.default_hooks.visualization = dict(
        type='TestPicturesHook',
        enable=True,
        interval=interval,
        out_dir=show_dir,
        channel_order=pipeline_channel_order(pipeline, pre))


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint!r} does not exist')
    cfg = load_config(args.config, args)
    cfg.load_from = args.checkpoint
    cfg.resume = False  # testing loads weights only
    if args.out_item is not None and args.out is None:
        raise ValueError('--out-item needs --out (the file to write)')
    out_item = args.out_item or 'pred'
    if args.out is not None and out_item == 'pred':
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must end with .pkl, got {args.out!r}')
        dump = dict(type='DumpResults', out_file_path=args.out)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluator) if isinstance(
            evaluator, (list, tuple)) else [evaluator]) + [dump]
    # yapf: disable
    elif args.out is not None and not args.out.endswith(
            ('.json', '.yaml', '.yml', '.pkl', '.pickle')):
        # yapf: enable
        raise ValueError('--out-item metrics: --out must end with .json, '
                         f'.yaml or .pkl, got {args.out!r}')
    if args.show_dir is not None:
        add_test_pictures(cfg, args.show_dir, args.interval)
    # A distillation checkpoint needs no teacher weights to test the student.
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None
    # The runner loads non-strictly: a checkpoint of another model would be
    # scored with random weights. Check the fit first, naming the file.
    import mmlkd  # noqa: F401  (registers components for the check)
    from mmlkd.utils.config_checks import check_load_from
    check_load_from(cfg, what='tools/test.py CHECKPOINT')
    drop_sync_bn_without_cuda(cfg)
    setup_cpu_distributed(cfg)
    runner = build_runner(cfg, args.config)
    from mmlkd.utils.data_checks import check_data
    check_data(runner, ('test', ), load_from_what='tools/test.py CHECKPOINT')
    metrics = runner.test()
    if args.out is not None and out_item == 'metrics':
        import mmengine
        from mmengine.dist import is_main_process
        if is_main_process():
            mmengine.dump(metrics, args.out)
    return metrics


if __name__ == '__main__':
    main()
