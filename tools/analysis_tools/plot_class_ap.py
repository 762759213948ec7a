"""Per-class AP of a teacher and a student, as a grouped bar chart.

    python tools/test.py TEACHER_CONFIG TEACHER.pth --out teacher.pkl
    python tools/test.py STUDENT_CONFIG STUDENT.pth --out student.pkl
    python tools/analysis_tools/plot_class_ap.py teacher.pkl student.pkl
        [--config CONFIG] [--labels Teacher Student] [--sort none|gap|teacher]
        [--difficult-as-positive true|false] [--out class_ap.png]

The ``.pkl`` files are the per-image predictions ``tools/test.py --out``
dumps (mmengine's ``DumpResults``: ``pred_score`` and ``gt_label`` of each
test image). Per-class AP is computed by mmlkd's ``MultiLabelMAP`` (the
metric the runs report, ``classwise=True``), so the chart's means are the
mAPs ``tools/test.py`` printed. Classes without a positive image get no bar.
Class names come from ``--config``'s test dataset, else indices are shown.
Both files must hold the same images in the same order. The dumps are
read without running code from them (only containers and tensors are
rebuilt).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')  # no display on training machines

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

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
        description='Per-class AP bar chart, teacher vs student')
    parser.add_argument('teacher', help='teacher predictions (.pkl)')
    parser.add_argument('student', help='student predictions (.pkl)')
    parser.add_argument('--config', help='config whose test dataset names '
                        'the classes')
    parser.add_argument('--labels', nargs=2, default=['Teacher', 'Student'],
                        metavar=('TEACHER', 'STUDENT'), help='legend labels')
    parser.add_argument('--sort', choices=['none', 'gap', 'teacher'],
                        default='none',
                        help='class order: as in the dataset, by student - '
                        'teacher AP (largest loss first), or by teacher AP')
    parser.add_argument('--difficult-as-positive', type=_bool_or_none,
                        default=None,
                        help="MultiLabelMAP's policy for labels seen only on "
                        'difficult objects (VOC): none ignores them')
    parser.add_argument('--out', default='class_ap.png', help='output image')
    return parser.parse_args(argv)


def load_predictions(path: str) -> List[dict]:
    from mmlkd.utils.prediction_dump import load_prediction_dump
    return load_prediction_dump(path)


def class_ap(samples: List[dict],
             difficult_as_positive: Optional[bool] = None) -> Dict:
    """``MultiLabelMAP(classwise=True)``'s metrics of the dumped samples."""
    from mmlkd.evaluation import MultiLabelMAP
    metric = MultiLabelMAP(classwise=True, topk=(),
                           difficult_as_positive=difficult_as_positive)
    metric.process(None, samples)
    metrics = metric.compute_metrics(metric.results)
    metrics['AP_classwise'] = np.asarray(metrics['AP_classwise'], float)
    return metrics


def check_same_images(teacher: List[dict], student: List[dict],
                      paths: Sequence[str]) -> None:
    if len(teacher) != len(student):
        raise ValueError(f'plot_class_ap: {paths[0]} has {len(teacher)} '
                         f'images, {paths[1]} {len(student)}; evaluate both '
                         'models on the same test set')
    for i, (t, s) in enumerate(zip(teacher, student)):
        for key in ('img_path', 'sample_idx', 'gt_label'):
            if key in t and key in s and not np.array_equal(
                    np.asarray(t[key]), np.asarray(s[key])):
                raise ValueError(
                    f'plot_class_ap: image {i} differs between {paths[0]} '
                    f'and {paths[1]} ({key}: {t[key]!r} vs {s[key]!r}); '
                    'the dumps must list the same images in the same order')


def class_names(config: Optional[str], num_classes: int) -> List[str]:
    if config:
        import mmlkd.compat
        mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases
        import mmlkd  # noqa: F401  (registers mmlkd's datasets)
        from mmengine.config import Config
        from mmpretrain.registry import DATASETS
        if not osp.isfile(config):
            raise FileNotFoundError(f'plot_class_ap: no such config '
                                    f'{config!r}')
        ds_cfg = Config.fromfile(config).get('test_dataloader', {}).get(
            'dataset', {})
        ds_cls = DATASETS.get(ds_cfg.get('type', '')) if ds_cfg else None
        names = ds_cfg.get('metainfo', {}).get('classes') or getattr(
            ds_cls, 'METAINFO', {}).get('classes')
        if names is not None and len(names) != num_classes:
            raise ValueError(
                f'plot_class_ap: {config} names {len(names)} classes, the '
                f'predictions have {num_classes}')
        if names is not None:
            return list(names)
    return [str(i) for i in range(num_classes)]


def draw(ap_t: np.ndarray, ap_s: np.ndarray, names: List[str],
         labels: Sequence[str], maps: Sequence[float], sort: str,
         out: str) -> List[int]:
    order = np.arange(len(names))
    if sort == 'gap':
        order = np.argsort(np.nan_to_num(ap_s - ap_t, nan=np.inf),
                           kind='stable')
    elif sort == 'teacher':
        order = np.argsort(-np.nan_to_num(ap_t, nan=-np.inf), kind='stable')
    x = np.arange(len(order))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.32 * len(order) + 1.5), 4.2))
    width = 0.4
    ax.bar(x - width / 2, ap_t[order], width,
           label=f'{labels[0]} (mAP {maps[0]:.2f})', color='tab:blue')
    ax.bar(x + width / 2, ap_s[order], width,
           label=f'{labels[1]} (mAP {maps[1]:.2f})', color='tab:orange')
    ax.set_xticks(x)
    ax.set_xticklabels([names[i] for i in order], rotation=60, ha='right',
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
    teacher = load_predictions(args.teacher)
    student = load_predictions(args.student)
    check_same_images(teacher, student, (args.teacher, args.student))
    m_t = class_ap(teacher, args.difficult_as_positive)
    m_s = class_ap(student, args.difficult_as_positive)
    ap_t, ap_s = m_t['AP_classwise'], m_s['AP_classwise']
    names = class_names(args.config, len(ap_t))
    order = draw(ap_t, ap_s, names, args.labels, (m_t['mAP'], m_s['mAP']),
                 args.sort, args.out)
    width = max(len(n) for n in names)
    print(f'{"class":<{width}} {args.labels[0]:>8} {args.labels[1]:>8} '
          f'{"diff":>7}')
    for i in order:
        print(f'{names[i]:<{width}} {ap_t[i]:8.2f} {ap_s[i]:8.2f} '
              f'{ap_s[i] - ap_t[i]:+7.2f}')
    print(f'{"mAP":<{width}} {m_t["mAP"]:8.2f} {m_s["mAP"]:8.2f} '
          f'{m_s["mAP"] - m_t["mAP"]:+7.2f}')
    print(f'plot_class_ap: wrote {args.out}')
    return dict(teacher=ap_t, student=ap_s, classes=names, order=order,
                mAP=(m_t['mAP'], m_s['mAP']))


if __name__ == '__main__':
    main()
