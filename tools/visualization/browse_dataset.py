"""Save (or show) the images a config's data pipeline yields, with labels.

    python tools/visualization/browse_dataset.py CONFIG
        [--phase/-p train|val|test] [--show-number/-n N] [--output-dir/-o DIR]
        [--not-show] [--mode/-m transformed|original|concat|pipeline]
        [--rescale-factor/-r F]
        [--show-interval/-i S] [--resize PX]
        [--channel-order/-c auto|rgb|bgr] [--cfg-options k=v ...]

mmpretrain 1.2.0's arguments and modes of the same tool are accepted
(``-c RGB`` in either case): ``transformed`` (what the model is fed),
``original`` (the image as loaded), ``concat`` (both side by side) and
``pipeline`` (the image after each step of the pipeline, left to right).

Each of the first ``N`` samples of the ``PHASE`` dataset is run through that
dataset's pipeline (random augmentations included: this is what the model
sees) and drawn by mmpretrain's ``UniversalVisualizer`` with its ground-truth
class names. With ``--output-dir`` the pictures are written there (no
display needed); without it they are shown in a window, which needs one.
For a distillation config the dataset is the same as for a plain one.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence

from mmengine.config import Config, DictAction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Browse the images of a dataset pipeline')
    parser.add_argument('config', help='config file path')
    # mmpretrain 1.2.0's flags (short forms included), plus --resize
    parser.add_argument(
        '--phase',
        '-p',
        default='train',
        choices=['train', 'val', 'test'],
        help='which dataloader dataset to browse')
    parser.add_argument(
        '--show-number',
        '-n',
        type=int,
        default=sys.maxsize,
        help='number of images to browse (default: all)')
    parser.add_argument('--output-dir', '-o', help='save the pictures here')
    parser.add_argument(
        '--not-show',
        action='store_true',
        help='open no window (with --output-dir: only save)')
    parser.add_argument(
        '--show-interval',
        '-i',
        type=float,
        default=2,
        help='seconds each picture is shown (with a display)')
    parser.add_argument(
        '--mode',
        '-m',
        default='transformed',
        choices=['original', 'transformed', 'concat', 'pipeline'],
        help='transformed: what the pipeline feeds the model '
        "(default); original: the image as loaded, before "
        "the pipeline's other transforms; concat: both side "
        'by side; pipeline: the image after every step')
    parser.add_argument(
        '--rescale-factor',
        '-r',
        type=float,
        help='(mode original) scale the image by this factor')
    parser.add_argument(
        '--resize',
        type=int,
        default=224,
        help='draw at this short edge at least, so the label '
        'text fits on small images (0: as is)')
    parser.add_argument(
        '--channel-order',
        '-c',
        type=str.lower,
        choices=['auto', 'rgb', 'bgr'],
        default='auto',
        help='channel order of the pipeline output (any '
        'case, mmpretrain spells RGB / BGR); auto: bgr when '
        'the data preprocessor converts to RGB or the '
        'pipeline loads files, else rgb')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. '
        'train_dataloader.dataset.num_images=8')
    args = parser.parse_args(argv)
    if args.show_number < 1:
        parser.error('--show-number must be >= 1')
    return args


def data_preprocessor_cfg(cfg: Config) -> dict:
    model = cfg.get('model') or {}
    return (model.get('data_preprocessor')
            or (model.get('architecture') or {}).get('data_preprocessor')
            or cfg.get('data_preprocessor') or {})


def original_image(dataset,
                   index: int,
                   order: str,
                   rescale: Optional[float] = None):
    """The ``index``-th image as loaded (RGB for display) and a data
    sample with its ground truth: only the pipeline's loading steps run."""
    import mmcv
    import numpy as np
    from mmpretrain.structures import DataSample
    data = dataset.get_data_info(index)
    for transform in getattr(dataset.pipeline, 'transforms', []):
        if not type(transform).__name__.startswith('Load'):
            break
        data = transform(data)
    image = np.asarray(data['img'])
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if order == 'bgr':
        image = image[..., ::-1]
    if rescale:
        image = mmcv.imrescale(np.ascontiguousarray(image), rescale)
    sample = DataSample()
    if data.get('gt_label') is not None:
        sample.set_gt_label(data['gt_label'])
    if data.get('img_path'):
        sample.set_metainfo(dict(img_path=data['img_path']))
    return np.ascontiguousarray(image), sample


def _display(image, order: str):
    import numpy as np
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return image[..., ::-1] if order == 'bgr' else image


def pipeline_steps(dataset, index: int, order: str) -> List:
    """The ``index``-th image after each step of the pipeline that leaves an
    image array (display order RGB), first to last."""
    import numpy as np
    data = dataset.get_data_info(index)
    steps = []
    for transform in getattr(dataset.pipeline, 'transforms', []):
        data = transform(data)
        if data is None:
            break
        img = data.get('img') if isinstance(data, dict) else None
        if isinstance(img, np.ndarray):
            steps.append(_display(img, order))
    return steps


def side_by_side(images: Sequence, gap: int = 6):
    """Images resized to one height and joined left to right, white gaps."""
    import mmcv
    import numpy as np
    height = max(im.shape[0] for im in images)
    row = []
    for k, im in enumerate(images):
        scale = height / im.shape[0]
        im = mmcv.imresize(
            np.ascontiguousarray(im),
            (max(1, round(im.shape[1] * scale)), height))
        if k:
            row.append(np.full((height, gap, 3), 255, np.uint8))
        row.append(im.astype(np.uint8))
    return np.ascontiguousarray(np.concatenate(row, axis=1))


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    args = parse_args(argv)
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS
    from mmpretrain.visualization import UniversalVisualizer

    import mmlkd  # noqa: F401  (compat fixes, registers mmlkd's datasets)
    from mmlkd.visualization import pipeline_channel_order, to_display_image
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'browse_dataset: no such config '
                                f'{args.config!r}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    loader = cfg.get(f'{args.phase}_dataloader')
    if not loader or 'dataset' not in loader:
        raise KeyError(f'browse_dataset: {args.config} has no '
                       f'{args.phase}_dataloader.dataset')
    if args.output_dir is None and not args.not_show and \
            not os.environ.get('DISPLAY'):
        raise RuntimeError('browse_dataset: no display (DISPLAY is unset); '
                           'give --output-dir to save the pictures instead')
    order = (
        args.channel_order
        if args.channel_order != 'auto' else pipeline_channel_order(
            loader['dataset'].get('pipeline', []), data_preprocessor_cfg(cfg)))
    # A scope only for building: the pipeline's transforms resolve in
    # mmpretrain's registry; nothing global is left set afterwards.
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(loader['dataset'])
    classes = dataset.metainfo.get('classes')
    visualizer = UniversalVisualizer()
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    written = []
    from mmengine.utils import ProgressBar
    count = min(args.show_number, len(dataset))
    bar = ProgressBar(count, file=sys.stderr)
    for i in range(count):
        if args.mode == 'original':
            image, sample = original_image(dataset, i, order,
                                           args.rescale_factor)
        elif args.mode == 'pipeline':
            _, sample = original_image(dataset, i, order)
            image = side_by_side(pipeline_steps(dataset, i, order))
        else:
            item = dataset[i]
            image = to_display_image(item['inputs'], order)
            sample = item['data_samples']
            if args.mode == 'concat':
                loaded, _ = original_image(dataset, i, order,
                                           args.rescale_factor)
                image = side_by_side([loaded, image])
        name = osp.splitext(
            osp.basename(sample.get('img_path', '') or f'{i:06d}'))[0]
        out_file = (
            osp.join(args.output_dir, f'{i:06d}_{name}.png')
            if args.output_dir else None)
        short = min(image.shape[:2])
        visualizer.visualize_cls(
            image,
            sample,
            classes=classes,
            draw_gt=True,
            draw_pred=False,
            resize=args.resize
            if args.resize and short < args.resize else None,
            show=out_file is None and not args.not_show,
            wait_time=args.show_interval,
            name=name,
            out_file=out_file)
        if out_file:
            written.append(out_file)
        bar.update()
    sys.stderr.write('\n')
    if written:
        print(f'browse_dataset: wrote {len(written)} pictures to '
              f'{args.output_dir}')
    return written


if __name__ == '__main__':
    main()
