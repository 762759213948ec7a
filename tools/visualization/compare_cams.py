"""Draw the class activation maps of a teacher and a student side by side.

    python tools/visualization/compare_cams.py \
        --teacher TEACHER_CONFIG [TEACHER_CKPT] \
        --student STUDENT_CONFIG [STUDENT_CKPT] \
        (IMAGE ... | --demo N) [--out cam_grid.png] [--topk 2]

    python tools/visualization/compare_cams.py \
        --distill DISTILL_CONFIG DISTILL_CKPT --demo 6

A config is either a plain mmpretrain classifier config (its checkpoint holds
``backbone.* / neck.* / head.*``) or an mmrazor distillation config
(``SingleTeacherDistill``): then ``--teacher`` takes its ``model.teacher`` and
the checkpoint's ``teacher.*`` weights, ``--student`` its
``model.architecture`` and the ``architecture.*`` weights; ``--distill`` sets
both from one config and checkpoint. Checkpoints load strictly through
mmengine (prefix loading, torch's safe ``weights_only`` loader); a missing
checkpoint leaves the model randomly initialised (a warning says so).

Images are either file paths, run through the student config's test pipeline
(its file-loading step replaced by reading the path), or ``--demo N``: the
first N images of the student config's test dataset (the embedded
``DemoShapes`` data for the demo configs). Each row of the PNG is one image
with its ground truth (when known) and, for the teacher's ``topk`` most
probable classes, the teacher's and the student's CAM over the image with
both models' probabilities, and a colour bar for the overlays. Class names
come from the checkpoints' stored ``dataset_meta``, else the student
config's dataset. CAMs come from
:class:`mmlkd.models.recorders.CAMInputsRecorder` and
:class:`mmlkd.models.connectors.CAMConnector`, the same code that the CAM
distillation trains with, so only heads that have a CAM are accepted.
"""
import argparse
import copy
import os.path as osp
import sys
import textwrap
import warnings
from typing import List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')  # no display on training machines

import matplotlib.pyplot as plt
import numpy as np
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

import mmlkd  # noqa: F401  (compat fixes, registries)
from mmlkd.visualization import (class_activation_maps, overlay_cam,
                                 pipeline_channel_order, to_display_image)

PREFIX = {'teacher': 'teacher.', 'student': 'architecture.'}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Teacher and student CAMs side by side in a PNG grid')
    parser.add_argument('images', nargs='*', help='image files')
    parser.add_argument(
        '--teacher',
        nargs='+',
        metavar='CFG [CKPT]',
        help='teacher config and optional checkpoint')
    parser.add_argument(
        '--student',
        nargs='+',
        metavar='CFG [CKPT]',
        help='student config and optional checkpoint')
    parser.add_argument(
        '--distill',
        nargs='+',
        metavar='CFG [CKPT]',
        help='distillation config (and checkpoint) giving '
        'both teacher and student')
    parser.add_argument(
        '--demo',
        type=int,
        default=0,
        metavar='N',
        help='take the first N images of the student '
        "config's test dataset")
    parser.add_argument('--out', default='cam_grid.png', help='output PNG')
    parser.add_argument(
        '--topk',
        type=int,
        default=2,
        help="classes shown per image (teacher's top-k)")
    parser.add_argument(
        '--channel-order',
        choices=['auto', 'rgb', 'bgr'],
        default='auto',
        help='channel order of the pipeline output; auto: '
        'bgr when the data preprocessor converts to RGB or '
        'the pipeline loads files, else rgb')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.distill:
        if args.teacher or args.student:
            parser.error('--distill replaces --teacher and --student')
        args.teacher = args.student = args.distill
    if not args.teacher or not args.student:
        parser.error('give --teacher and --student, or --distill')
    for name in ('teacher', 'student', 'distill'):
        value = getattr(args, name)
        if value and len(value) > 2:
            parser.error(f'--{name} takes a config and at most one checkpoint')
    if bool(args.images) == bool(args.demo):
        parser.error('give image paths or --demo N (one of them)')
    if args.topk < 1:
        parser.error('--topk must be >= 1')
    return args


def load_config(path: str):
    from mmengine.config import Config
    if not osp.isfile(path):
        raise FileNotFoundError(f'compare_cams: no such config {path!r}')
    return Config.fromfile(path)


def classifier_cfg(cfg, role: str) -> Tuple[dict, Optional[str]]:
    """The classifier config of ``role`` and its checkpoint key prefix."""
    model = copy.deepcopy(cfg.model)
    top_dp = cfg.get('data_preprocessor')
    if 'architecture' in model:  # an mmrazor distillation algorithm
        sub = model['teacher'] if role == 'teacher' else model['architecture']
        if not isinstance(sub, dict):
            key = 'teacher' if role == 'teacher' else 'architecture'
            raise TypeError(
                f'compare_cams: model.{key} must be a config dict, '
                f'got {type(sub).__name__}')
        dp = model.get('data_preprocessor') or top_dp
        prefix = PREFIX[role]
    else:
        sub, dp, prefix = model, model.get('data_preprocessor') or top_dp, None
    sub = copy.deepcopy(sub)
    if dp is not None:
        sub['data_preprocessor'] = dp
    return sub, prefix


def load_weights(model: torch.nn.Module, ckpt_path: str,
                 prefix: Optional[str]) -> None:
    """Load a plain classifier checkpoint, or the ``prefix`` part of one.

    Strict, and through mmengine's loader (``torch.load`` with its safe
    ``weights_only`` default). A distillation checkpoint holds both models:
    mmengine's prefix loading keeps the ``prefix`` (``teacher.`` or
    ``architecture.``) weights with the prefix removed. A checkpoint without
    that prefix (e.g. a student exported by convert_kd_ckpt_to_student.py,
    given with a distillation config) is loaded as a plain classifier.
    """
    from mmengine.runner.checkpoint import (_load_checkpoint_with_prefix,
                                            load_checkpoint, load_state_dict)
    if not osp.isfile(ckpt_path):
        raise FileNotFoundError(
            f'compare_cams: no such checkpoint {ckpt_path!r}')
    try:
        if prefix:
            try:
                state = _load_checkpoint_with_prefix(
                    prefix, ckpt_path, map_location='cpu')
            except AssertionError:  # mmengine's "prefix is not in the model"
                state = None
            if state is not None:
                load_state_dict(model, state, strict=True)
                return
        load_checkpoint(model, ckpt_path, map_location='cpu', strict=True)
    except RuntimeError as e:
        raise KeyError(
            f'compare_cams: checkpoint {ckpt_path!r} does not fit the model '
            f'(prefix {prefix!r}): {e}') from e


def build_classifier(cfg, ckpt: Optional[str], role: str, device: str):
    from mmpretrain.registry import MODELS
    sub, prefix = classifier_cfg(cfg, role)
    model = MODELS.build(sub)
    if ckpt:
        load_weights(model, ckpt, prefix)
    else:
        # No init_weights(): a Pretrained init_cfg would try to download.
        warnings.warn(
            f'compare_cams: no {role} checkpoint, weights are random')
    return model.to(device).eval()


def class_names(
        cfg,
        dataset,
        num_classes: int,
        checkpoints: Sequence[Optional[str]] = (),
) -> List[str]:
    """The checkpoints' stored classes, else the dataset's, else the
    config's (never a dataset type's default list of another length)."""
    from mmlkd.visualization import checkpoint_classes
    from mmlkd.visualization import class_names as find_names
    for ckpt in checkpoints:
        if ckpt and checkpoint_classes(ckpt):
            return find_names(num_classes, ckpt, None, 'compare_cams')[0]
    names = dataset.metainfo.get('classes') if dataset is not None else None
    if names and len(names) == num_classes:
        return [str(n) for n in names]
    return find_names(num_classes, None, cfg, 'compare_cams')[0]


def load_samples(args, cfg):
    """Packed samples ``(inputs CHW, gt label list or None, title)``."""
    from mmengine.dataset import Compose
    from mmpretrain.registry import DATASETS
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader')
    if loader is None:
        raise KeyError(
            'compare_cams: the student config has no test_dataloader '
            'to take the pipeline (or --demo images) from')
    ds_cfg = copy.deepcopy(loader['dataset'])
    if args.demo:
        dataset = DATASETS.build(ds_cfg)
        n = min(args.demo, len(dataset))
        samples = []
        for i in range(n):
            item = dataset[i]
            gt = item['data_samples'].get('gt_label')
            samples.append(
                (item['inputs'], None if gt is None else gt.tolist(), f'#{i}'))
        return samples, dataset
    pipeline = [
        t for t in ds_cfg.get('pipeline', [])
        if t.get('type') != 'LoadImageFromFile'
    ]
    from mmpretrain.registry import TRANSFORMS

    # Built from mmpretrain's registry directly: setting a global default
    # scope here would leak into whatever runs next in the process.
    pipeline = Compose([TRANSFORMS.build(t) for t in pipeline])
    import mmcv
    order = channel_order(args, cfg)
    samples = []
    for path in args.images:
        if not osp.isfile(path):
            raise FileNotFoundError(f'compare_cams: no such image {path!r}')
        img = mmcv.imread(path, channel_order=order)
        item = pipeline(
            dict(
                img=img,
                img_path=path,
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2]))
        samples.append((item['inputs'], None, osp.basename(path)))
    return samples, None


def channel_order(args, cfg) -> str:
    if args.channel_order != 'auto':
        return args.channel_order
    dp = classifier_cfg(cfg, 'student')[0].get('data_preprocessor') or {}
    loader = cfg.get('test_dataloader') or {}
    return pipeline_channel_order(
        loader.get('dataset', {}).get('pipeline', []), dp)


def overlay(ax, img: np.ndarray, cam: torch.Tensor, title: str) -> None:
    ax.imshow(overlay_cam(img, cam))
    ax.set_title(title, fontsize=7)
    ax.axis('off')


def draw(rows, names: List[str], topk: int, out: str) -> None:
    cols = 1 + 2 * topk
    fig, axes = plt.subplots(
        len(rows), cols, squeeze=False, figsize=(1.9 * cols, 2.1 * len(rows)))
    for r, (img, gt, title, (cam_t, p_t), (cam_s, p_s)) in enumerate(rows):
        ax = axes[r, 0]
        ax.imshow(img)
        ax.axis('off')
        lines = [title]
        if gt is not None:
            lines.append(
                textwrap.fill(
                    'GT: ' + (', '.join(names[i] for i in gt) or '-'),
                    width=30))
        ax.set_title('\n'.join(lines), fontsize=7)
        classes = p_t.topk(min(topk, p_t.numel())).indices.tolist()
        for j in range(topk):
            # yapf: disable
            for k, (who, cam, p) in enumerate(
                    (('T', cam_t, p_t), ('S', cam_s, p_s))):
                # yapf: enable
                ax = axes[r, 1 + 2 * j + k]
                if j >= len(classes):
                    ax.axis('off')
                    continue
                c = classes[j]
                overlay(ax, img, cam[c],
                        f'{who}: {names[c]}\nT {p_t[c]:.2f} / S {p_s[c]:.2f}')
    fig.tight_layout()
    # what the overlay colours mean: each CAM stretched to its own range
    bar = fig.colorbar(
        plt.cm.ScalarMappable(norm=plt.Normalize(0, 1), cmap='jet'),
        ax=axes[:, 1:].ravel().tolist(),
        fraction=0.02,
        pad=0.01)
    bar.set_label('CAM, min to max of each map', fontsize=7)
    bar.ax.tick_params(labelsize=6)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    t_cfg, s_cfg = load_config(args.teacher[0]), load_config(args.student[0])
    teacher = build_classifier(t_cfg, (args.teacher[1:] or [None])[0],
                               'teacher', args.device)
    student = build_classifier(s_cfg, (args.student[1:] or [None])[0],
                               'student', args.device)
    samples, dataset = load_samples(args, s_cfg)
    order = channel_order(args, s_cfg)
    rows = []
    for inputs, gt, title in samples:
        t = class_activation_maps(teacher, inputs)
        s = class_activation_maps(student, inputs)
        if t[1].numel() != s[1].numel():
            raise ValueError(
                f'compare_cams: teacher has {t[1].numel()} classes, student '
                f'{s[1].numel()}; they must agree')
        rows.append((to_display_image(inputs, order), gt, title, t, s))
    names = class_names(s_cfg, dataset, rows[0][3][1].numel(),
                        [(args.student[1:] or [None])[0],
                         (args.teacher[1:] or [None])[0]])
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        raise FileNotFoundError(
            f'compare_cams: output folder {out_dir!r} missing')
    draw(rows, names, args.topk, args.out)
    print(f'compare_cams: wrote {args.out}')
    return args.out


if __name__ == '__main__':
    main()
