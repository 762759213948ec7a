"""Statistics of a multi-label dataset from a config: images, labels per image,
class frequencies.

    python tools/analysis_tools/dataset_stats.py CONFIG \
        [--split train|val|test] [--data-root DIR] [--cfg-options k=v ...] \
        [--json OUT] [--top 10]

The dataset is built as the config builds it (so load-time checks run, and a
missing file or bad annotation is reported the same way).
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np

sys.path.insert(0,
                osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmengine.config import Config, DictAction
from mmengine.utils import track_iter_progress
from mmpretrain.registry import DATASETS

import mmlkd  # noqa: F401  (compat fixes + registers the datasets)


def label_stats(labels: List[List[int]], classes: List[str]) -> Dict:
    """Counts from per-image label lists (indices into ``classes``)."""
    n_img, n_cls = len(labels), len(classes)
    per_image = np.array([len(set(x)) for x in labels], dtype=np.int64)
    freq = np.zeros(n_cls, dtype=np.int64)
    for x in labels:
        freq[sorted(set(x))] += 1
    hist = np.bincount(per_image) if n_img else np.zeros(1, np.int64)
    return dict(
        num_images=n_img,
        num_classes=n_cls,
        num_labels=int(per_image.sum()),
        labels_per_image=dict(
            mean=float(per_image.mean()) if n_img else 0.0,
            median=float(np.median(per_image)) if n_img else 0.0,
            min=int(per_image.min()) if n_img else 0,
            max=int(per_image.max()) if n_img else 0),
        images_without_label=int((per_image == 0).sum()),
        labels_per_image_histogram={
            str(k): int(v)
            for k, v in enumerate(hist) if v
        },
        class_frequency={
            c: int(f)
            for c, f in zip(classes, freq)
        },
        classes_without_image=[c for c, f in zip(classes, freq) if f == 0],
    )


def format_stats(stats: Dict, top: int = 10) -> str:
    lpi = stats['labels_per_image']
    lines = [
        f"images: {stats['num_images']}   classes: {stats['num_classes']}   "
        f"labels: {stats['num_labels']}",
        f"labels per image: mean {lpi['mean']:.3f}, median {lpi['median']:g},"
        f" min {lpi['min']}, max {lpi['max']}; images without label: "
        f"{stats['images_without_label']}",
        'histogram (labels: images): ' +
        ', '.join(f'{k}: {v}'
                  for k, v in stats['labels_per_image_histogram'].items()),
    ]
    freq = sorted(stats['class_frequency'].items(), key=lambda kv: -kv[1])
    n = max(stats['num_images'], 1)
    lines.append(f'most frequent {min(top, len(freq))} classes (images, %):')
    lines += [f'  {c:24s} {f:8d} {100 * f / n:6.2f}' for c, f in freq[:top]]
    lines.append(f'least frequent {min(top, len(freq))} classes:')
    lines += [
        f'  {c:24s} {f:8d} {100 * f / n:6.2f}' for c, f in freq[::-1][:top]
    ]
    if stats['classes_without_image']:
        lines.append(f"classes without any image: "
                     f"{stats['classes_without_image']}")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument(
        '--split', choices=['train', 'val', 'test'], default='train')
    parser.add_argument('--data-root', help='override the dataset data_root')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--json', help='also write the statistics here')
    parser.add_argument('--top', type=int, default=10)
    args = parser.parse_args(argv)

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ds_cfg = cfg[f'{args.split}_dataloader']['dataset']
    ds_cfg.pipeline = []  # no image is read: only the annotations
    if args.data_root:
        ds_cfg.data_root = args.data_root
    ds = DATASETS.build(ds_cfg)
    # mmengine's progress bar on stderr (the statistics go to stdout)
    labels = [
        list(ds.get_cat_ids(i))
        for i in track_iter_progress(range(len(ds)), file=sys.stderr)
    ]
    stats = label_stats(labels, list(ds.metainfo['classes']))
    print(f'{ds_cfg.type} ({args.split}) from {args.config}')
    print(format_stats(stats, args.top))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(stats, f, indent=1)
    return stats


if __name__ == '__main__':
    main()
