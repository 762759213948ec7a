"""Label images with an exported student (or any mmpretrain classifier).

    python tools/inference.py CONFIG CHECKPOINT IMAGE [IMAGE ...]
        [--thr 0.5] [--topk K] [--out results.json]
        [--cam-dir DIR [--cam-topk 3]] [--channel-order auto|rgb|bgr]
        [--batch-size 8] [--device cpu]

``CONFIG`` is a plain classifier config (``configs/demo/student_alone.py``
for the demo student) and ``CHECKPOINT`` its weights, e.g. the output of
``tools/model_converters/convert_kd_ckpt_to_student.py``. The checkpoint is
loaded strictly, through mmengine's loader (``torch.load``'s safe
``weights_only`` default): every tensor of the model must be in it.

The model is run by mmpretrain's ``ImageClassificationInferencer`` (the
config's test pipeline, batching, the head's ``predict``). Its own summary
keeps one label per image, so the multi-label read-out is done here: the
scores are the head's (sigmoid scores for multi-label heads), an image gets
every class scoring ``>= thr``, at most its ``topk`` best. With
``--cam-dir`` one PNG per image shows the class activation maps of its
``cam-topk`` best classes (CAMInputs recorder + CAMConnector, the code the
CAM distillation uses; heads without a CAM are refused).

Images are read in the channel order the model was trained on: BGR when the
config's pipeline loads files or its data preprocessor converts to RGB, RGB
otherwise (the embedded demo data).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Multi-label inference with an exported student')
    parser.add_argument('config', help='plain classifier config')
    parser.add_argument('checkpoint', help='its checkpoint (.pth)')
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument(
        '--thr',
        type=float,
        default=0.5,
        help='score threshold of a predicted label')
    parser.add_argument(
        '--topk',
        type=int,
        default=None,
        help='keep at most the K best labels of an image')
    parser.add_argument('--out', help='write the results to this .json')
    parser.add_argument('--cam-dir', help='write CAM overlays here')
    parser.add_argument(
        '--cam-topk',
        type=int,
        default=3,
        help='classes drawn per image with --cam-dir')
    parser.add_argument(
        '--channel-order',
        choices=['auto', 'rgb', 'bgr'],
        default='auto',
        help='channel order the model expects (see above)')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.topk is not None and args.topk < 1:
        parser.error('--topk must be >= 1')
    if args.cam_topk < 1:
        parser.error('--cam-topk must be >= 1')
    if args.batch_size < 1:
        parser.error('--batch-size must be >= 1')
    return args


def build_model(config: str, checkpoint: str, device: str):
    """The classifier of ``config`` with ``checkpoint`` loaded strictly."""
    import mmlkd.compat
    mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases need it
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint
    from mmpretrain.apis import get_model

    import mmlkd  # noqa: F401  (registers mmlkd's heads and datasets)
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'inference: no such {what} {path!r}')
    cfg = Config.fromfile(config)
    if 'architecture' in cfg.get('model', {}):
        raise ValueError(
            f'inference: {config} is a distillation config; give the '
            "student's plain config (e.g. configs/demo/student_alone.py) "
            'and a checkpoint exported by tools/model_converters/'
            'convert_kd_ckpt_to_student.py')
    # pretrained=False: weights are loaded below, strictly. get_model keeps
    # the config and the test dataset's class names on the model, as the
    # inferencer expects.
    model = get_model(cfg, pretrained=False)
    try:
        ckpt = load_checkpoint(
            model, checkpoint, map_location='cpu', strict=True)
    except RuntimeError as e:
        hint = (' It holds a distillation run (architecture.* keys): export '
                'the student with tools/model_converters/'
                'convert_kd_ckpt_to_student.py first.'
                if 'architecture.' in str(e) else '')
        raise KeyError(f'inference: {checkpoint} does not fit {config}: '
                       f'{e}{hint}') from e
    # The class names stored in the checkpoint against the config's: a
    # checkpoint trained on another order would be labelled wrongly.
    from mmlkd.utils.class_checks import check_config_classes
    check_config_classes(cfg, checkpoint, 'tools/inference.py CHECKPOINT',
                         ckpt if isinstance(ckpt, dict) else None)
    meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    if meta.get('dataset_meta', {}).get('classes'):
        model._dataset_meta = meta['dataset_meta']
    return model.to(device).eval()


def select_labels(scores: torch.Tensor, thr: float,
                  topk: Optional[int]) -> List[int]:
    """Classes scoring ``>= thr``, best first, at most ``topk`` of them."""
    order = torch.argsort(scores, descending=True, stable=True)
    labels = [int(i) for i in order if scores[i] >= thr]
    return labels[:topk] if topk is not None else labels


def draw_cams(path: str, inputs: torch.Tensor, order: str, model,
              names: List[str], labels: List[int], cam_topk: int,
              out_dir: str) -> str:
    import matplotlib
    matplotlib.use('Agg')  # no display on training machines
    import matplotlib.pyplot as plt

    from mmlkd.visualization import (class_activation_maps, overlay_cam,
                                     to_display_image)
    cams, scores = class_activation_maps(model, inputs)
    image = to_display_image(inputs, order)
    shown = torch.argsort(scores, descending=True, stable=True)[:cam_topk]
    fig, axes = plt.subplots(
        1,
        1 + len(shown),
        squeeze=False,
        figsize=(2.2 * (1 + len(shown)), 2.5))
    axes[0, 0].imshow(image)
    axes[0, 0].set_title(osp.basename(path), fontsize=7)
    for ax, c in zip(axes[0, 1:], shown.tolist()):
        ax.imshow(overlay_cam(image, cams[c]))
        mark = '*' if c in labels else ''
        ax.set_title(f'{names[c]}{mark}\n{scores[c]:.2f}', fontsize=7)
    for ax in axes[0]:
        ax.axis('off')
    fig.tight_layout()
    out = osp.join(out_dir, osp.splitext(osp.basename(path))[0] + '_cam.png')
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: Optional[Sequence[str]] = None) -> List[Dict]:
    args = parse_args(argv)
    import mmcv
    model = build_model(args.config, args.checkpoint, args.device)
    from mmpretrain.apis import ImageClassificationInferencer

    from mmlkd.visualization import pipeline_channel_order
    inferencer = ImageClassificationInferencer(model, pretrained=False)
    cfg = model._config
    order = args.channel_order
    if order == 'auto':
        pipeline = cfg.get('test_dataloader', {}).get('dataset',
                                                      {}).get('pipeline', [])
        order = pipeline_channel_order(pipeline,
                                       cfg.model.get('data_preprocessor'))
    # LoadImagePIL takes in-memory images as OpenMMLab's BGR arrays and
    # yields RGB: read BGR for it, display what the pipeline yields.
    read_order = order
    if args.channel_order == 'auto' and any(
            t.get('type') == 'LoadImagePIL' for t in pipeline):
        read_order = 'bgr'
    images = []
    for path in args.images:
        if not osp.isfile(path):
            raise FileNotFoundError(f'inference: no such image {path!r}')
        try:
            img = mmcv.imread(path, channel_order=read_order)
        except Exception:  # cv2 converts the colours of a failed decode
            img = None
        if img is None:
            raise ValueError(f'inference: cannot read {path!r} as an image '
                             '(not an image file, or damaged)')
        images.append(img)
    # Arrays, not paths: the inferencer would read paths as BGR whatever the
    # model was trained on. Its preprocess + forward are what __call__ runs,
    # without the progress bar that would interleave with the output.
    preds = []
    for batch in inferencer.preprocess(images, batch_size=args.batch_size):
        preds.extend(inferencer.forward(batch))
    num_classes = preds[0].pred_score.numel()
    names = list(inferencer.classes or [])
    if len(names) != num_classes:
        names = [str(i) for i in range(num_classes)]
    if args.cam_dir:
        os.makedirs(args.cam_dir, exist_ok=True)
    results = []
    for path, img, pred in zip(args.images, images, preds):
        scores = pred.pred_score.float().cpu()
        labels = select_labels(scores, args.thr, args.topk)
        result = dict(
            img_path=path,
            labels=[
                dict(index=i, name=names[i], score=float(scores[i]))
                for i in labels
            ],
            scores=scores.tolist())
        if args.cam_dir:
            inputs = inferencer.pipeline(
                dict(
                    img=img, img_shape=img.shape[:2],
                    ori_shape=img.shape[:2]))['inputs']
            result['cam_file'] = draw_cams(path, inputs, order, model, names,
                                           labels, args.cam_topk, args.cam_dir)
        results.append(result)
        text = ', '.join(f'{d["name"]} ({d["score"]:.3f})'
                         for d in result['labels']) or '(none)'
        print(f'{path}: {text}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
        print(f'inference: wrote {args.out}')
    return results


if __name__ == '__main__':
    main()
