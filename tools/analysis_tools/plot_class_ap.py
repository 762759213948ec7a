"""Per-class AP of any number of runs (teacher, student alone, distilled, ...),
as a grouped bar chart with a legend.

    python tools/test.py TEACHER_CONFIG TEACHER.pth --out teacher.pkl
    python tools/test.py STUDENT_CONFIG STUDENT.pth --out student.pkl
    python tools/analysis_tools/plot_class_ap.py teacher.pkl [alone.pkl]
        student.pkl [...] [--checkpoint CKPT] [--config CONFIG]
        [--labels Teacher Alone Student] [--sort none|gap|teacher]
        [--difficult-as-positive true|false] [--out class_ap.png]

The ``.pkl`` files are the per-image predictions ``tools/test.py --out``
dumps (mmengine's ``DumpResults``: ``pred_score`` and ``gt_label`` of each
test image). Per-class AP is computed by mmlkd's ``MultiLabelMAP`` (the
metric the runs report, ``classwise=True``), so the chart's means are the
mAPs ``tools/test.py`` printed. Classes without a positive image get no bar.
Class names come from ``--checkpoint``'s stored ``dataset_meta`` (the order
the model was trained on), else from ``--config``'s dataset (its
``classes``), else indices are shown (``mmlkd.visualization.class_names``).
``--sort gap`` orders by last run minus first run (largest loss first),
``--sort teacher`` by the first run's AP. All files must hold the same
images in the same order. The dumps are
read without running code from them (only containers and tensors are
rebuilt).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')  # no display on training machines

import matplotlib.pyplot as plt
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def _bool_or_none(text: str) -> Optional[bool]:
    value = {'true': True, 'false': False, 'none': None}.get(text.lower(), 0)
    if value == 0:
        raise argparse.ArgumentTypeError(
            f'expected true, false or none, got {text!r}')
    return value


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Per-class AP bar chart of one or more runs')
    parser.add_argument(
        'preds',
        nargs='+',
        metavar='PKL',
        help='tools/test.py --out predictions (.pkl), one per '
        'run: e.g. teacher, student alone, distilled')
    parser.add_argument(
        '--checkpoint',
        help='checkpoint whose stored '
        'dataset_meta names the classes')
    parser.add_argument(
        '--config', help='config whose dataset names the '
        'classes')
    parser.add_argument(
        '--labels',
        nargs='+',
        metavar='LABEL',
        help='legend labels, one per run (default: Teacher '
        'Student for two runs, else the file names)')
    parser.add_argument(
        '--sort',
        choices=['none', 'gap', 'teacher'],
        default='none',
        help='class order: as in the dataset, by last - '
        'first run AP (largest loss first), or by the first '
        "run's AP")
    parser.add_argument(
        '--difficult-as-positive',
        type=_bool_or_none,
        default=None,
        help="MultiLabelMAP's policy for labels seen only on "
        'difficult objects (VOC): none ignores them')
    parser.add_argument('--out', default='class_ap.png', help='output image')
    args = parser.parse_args(argv)
    if args.labels is None:
        args.labels = (['Teacher', 'Student'] if len(args.preds) == 2 else
                       [osp.splitext(osp.basename(p))[0] for p in args.preds])
    if len(args.labels) != len(args.preds):
        parser.error(f'--labels needs one label per run: {len(args.preds)} '
                     f'runs, {len(args.labels)} labels')
    return args


def load_predictions(path: str) -> List[dict]:
    from mmlkd.utils.prediction_dump import load_prediction_dump
    return load_prediction_dump(path)


def class_ap(samples: List[dict],
             difficult_as_positive: Optional[bool] = None) -> Dict:
    """``MultiLabelMAP(classwise=True)``'s metrics of the dumped samples."""
    from mmlkd.evaluation import MultiLabelMAP
    metric = MultiLabelMAP(
        classwise=True, topk=(), difficult_as_positive=difficult_as_positive)
    metric.process(None, samples)
    metrics = metric.compute_metrics(metric.results)
    metrics['AP_classwise'] = np.asarray(metrics['AP_classwise'], float)
    return metrics


def check_same_images(first: List[dict], other: List[dict],
                      paths: Sequence[str]) -> None:
    if len(first) != len(other):
        raise ValueError(f'plot_class_ap: {paths[0]} has {len(first)} '
                         f'images, {paths[1]} {len(other)}; evaluate every '
                         'model on the same test set')
    for i, (t, s) in enumerate(zip(first, other)):
        for key in ('img_path', 'sample_idx', 'gt_label'):
            if key in t and key in s and not np.array_equal(
                    np.asarray(t[key]), np.asarray(s[key])):
                raise ValueError(
                    f'plot_class_ap: image {i} differs between {paths[0]} '
                    f'and {paths[1]} ({key}: {t[key]!r} vs {s[key]!r}); '
                    'the dumps must list the same images in the same order')


def class_names(config: Optional[str],
                num_classes: int,
                checkpoint: Optional[str] = None) -> List[str]:
    cfg = None
    if config:
        import mmlkd.compat
        mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases
        from mmengine.config import Config

        import mmlkd  # noqa: F401  (registers mmlkd's datasets)
        if not osp.isfile(config):
            raise FileNotFoundError(f'plot_class_ap: no such config '
                                    f'{config!r}')
        cfg = Config.fromfile(config)
    from mmlkd.visualization import class_names as find_names
    names, _ = find_names(num_classes, checkpoint, cfg, 'plot_class_ap')
    return names


def draw(aps: Sequence[np.ndarray], names: List[str], labels: Sequence[str],
         maps: Sequence[float], sort: str, out: str) -> List[int]:
    order = np.arange(len(names))
    if sort == 'gap':
        order = np.argsort(
            np.nan_to_num(aps[-1] - aps[0], nan=np.inf), kind='stable')
    elif sort == 'teacher':
        order = np.argsort(-np.nan_to_num(aps[0], nan=-np.inf), kind='stable')
    x = np.arange(len(order))
    n = len(aps)
    width = 0.8 / n
    fig, ax = plt.subplots(
        figsize=(max(6.0, (0.16 * n + 0.16) * len(order) + 1.5), 4.2))
    colours = plt.get_cmap('tab10')
    for k, (ap, label, m) in enumerate(zip(aps, labels, maps)):
        ax.bar(
            x + (k - (n - 1) / 2) * width,
            ap[order],
            width,
            label=f'{label} (mAP {m:.2f})',
            color=colours(k % 10))
    ax.set_xticks(x)
    ax.set_xticklabels([names[i] for i in order],
                       rotation=60,
                       ha='right',
                       fontsize=7)
    ax.set_ylabel('AP (%)')
    ax.set_ylim(0, 100)
    ax.grid(axis='y', alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out_dir = osp.dirname(osp.abspath(out))
    if not osp.isdir(out_dir):
        raise FileNotFoundError(f'plot_class_ap: output folder {out_dir!r} '
                                'missing')
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return order.tolist()


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    import mmlkd  # noqa: F401  (registers MultiLabelMAP)
    runs = [load_predictions(p) for p in args.preds]
    for path, run in zip(args.preds[1:], runs[1:]):
        check_same_images(runs[0], run, (args.preds[0], path))
    metrics = [class_ap(run, args.difficult_as_positive) for run in runs]
    aps = [m['AP_classwise'] for m in metrics]
    maps = tuple(m['mAP'] for m in metrics)
    names = class_names(args.config, len(aps[0]), args.checkpoint)
    order = draw(aps, names, args.labels, maps, args.sort, args.out)
    width = max(max(len(n) for n in names), 5)
    cols = [max(8, len(label)) for label in args.labels]
    diff = ' '.join([f'{"diff":>7}'] if len(aps) > 1 else [])
    print(f'{"class":<{width}} ' +
          ' '.join(f'{label:>{c}}'
                   for label, c in zip(args.labels, cols)) + f' {diff}')
    for i in order + [None]:
        values = [m['mAP']
                  for m in metrics] if i is None else [ap[i] for ap in aps]
        name = 'mAP' if i is None else names[i]
        gap = f' {values[-1] - values[0]:+7.2f}' if len(aps) > 1 else ''
        print(f'{name:<{width}} ' +
              ' '.join(f'{v:{c}.2f}' for v, c in zip(values, cols)) + gap)
    print(f'plot_class_ap: wrote {args.out}')
    return dict(
        ap=aps,
        teacher=aps[0],
        student=aps[-1],
        labels=args.labels,
        classes=names,
        order=order,
        mAP=maps)


if __name__ == '__main__':
    main()
