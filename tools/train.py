"""Train a classifier or a distillation run from an mmlkd config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--check-data] [--random-teacher] [--no-validate]
        [--log-grad-norms [N]]
        [--cfg-options k=v ...] [--launcher none|pytorch]

`bash tools/dist_train.sh CONFIG N` launches N processes on torchrun (gloo on
CPU when there is no GPU).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlkd.utils.launch import (add_common_args, build_runner, load_config,
                                setup_cpu_distributed)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmlkd: train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (needs a GPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the LR by the actual total batch size')
    parser.add_argument(
        '--check-data',
        action='store_true',
        help='read and decode every train/val image once before training '
        'and name each unreadable, empty or zero-byte one')
    parser.add_argument(
        '--random-teacher',
        action='store_true',
        help='allow a distillation config without model.teacher_ckpt '
        '(the teacher stays random: smoke runs and timing only)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='train without validating (no val loop, no '
        'best checkpoint)')
    parser.add_argument(
        '--log-grad-norms',
        nargs='?',
        type=int,
        const=0,
        metavar='N',
        help='log every loss term and the norm of its gradient on the '
        'student (LossGradNormHook) every N iterations; without N, on '
        'every iteration the logger writes')
    add_common_args(parser)
    return parser.parse_args(argv)


def apply_train_args(cfg, args) -> None:
    import torch
    if args.amp:
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a CUDA GPU; none is visible')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    from mmlkd.engine import check_checkpoint_file, resolve_auto_resume
    if args.resume == 'auto':
        cfg.resume = True
        # mmengine would follow last_checkpoint's absolute path anywhere.
        cfg.load_from = resolve_auto_resume(cfg)
    elif args.resume is not None:
        check_checkpoint_file(args.resume, '--resume')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.log_grad_norms is not None:
        if args.log_grad_norms < 0:
            raise ValueError('--log-grad-norms: N must be >= 1, got '
                             f'{args.log_grad_norms}')
        hook = dict(
            type='LossGradNormHook', interval=args.log_grad_norms or None)
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [hook]
        if args.log_grad_norms:
            # A measurement on an iteration the logger skips is lost.
            cfg.default_hooks.logger.interval = args.log_grad_norms


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args)
    apply_train_args(cfg, args)

    import mmlkd  # noqa: F401  (registers components for the checks)
    from mmlkd.utils import check_config
    check_config(cfg, allow_random_teacher=args.random_teacher)
    # Per-process batch from global_batch_size, the recipe card hook.
    from mmlkd.utils.launch import prepare_launch
    prepare_launch(cfg)

    setup_cpu_distributed(cfg)
    runner = build_runner(cfg, args.config)
    from mmlkd.utils.data_checks import check_data
    check_data(runner, ('train', 'val'), read_images=args.check_data)
    runner.train()


if __name__ == '__main__':
    main()
