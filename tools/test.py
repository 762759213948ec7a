"""Evaluate a checkpoint with an mmlkd config.

    python tools/test.py CONFIG CHECKPOINT [--out preds.pkl] [--work-dir DIR]
        [--cfg-options k=v ...] [--launcher none|pytorch]

With a distillation config the student is evaluated.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlkd.utils.launch import (add_common_args, build_runner,  # noqa: E402
                                load_config, setup_cpu_distributed)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmlkd: test a checkpoint')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump per-image predictions to this .pkl')
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


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} does not exist')
    cfg = load_config(args.config, args)
    cfg.load_from = args.checkpoint
    cfg.resume = False  # testing loads weights only
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must end with .pkl, got {args.out!r}')
        dump = dict(type='DumpResults', out_file_path=args.out)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = (list(evaluator) if isinstance(evaluator, (list, tuple))
                              else [evaluator]) + [dump]
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
    check_data(runner, ('test', ),
               load_from_what='tools/test.py CHECKPOINT')
    return runner.test()


if __name__ == '__main__':
    main()
