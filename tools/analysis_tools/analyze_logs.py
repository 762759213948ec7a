"""Training curves and training time from mmengine's JSON logs.

    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json \
        [LOG2.json ...] [--keys loss multi-label/mAP] [--legend A B] \
        [--title T] [--out curves.png] [--style whitegrid] \
        [--window-size 12*7]
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG.json [...]
        [--include-outliers]

``LOG.json`` is the scalar log a run writes to
``WORK_DIR/<timestamp>/vis_data/<timestamp>.json`` (or ``scalars.json`` next
to it). It is read with mmpretrain's ``load_json_log``: lines with a learning
rate are training iterations (x axis: iteration), the others validation
rounds (x axis: epoch for epoch-based runs). Without ``--keys`` every
training key with ``loss`` in its name (the total, the student's task loss,
each ``distill.*`` term) and every validation ``mAP`` (the student's and,
with ``SingleTeacherDistillValLoop``, the teacher's) is drawn, one panel per
key, one line per log.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')  # no display on training machines

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyse mmengine JSON logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='draw training curves (PNG)')
    plot.add_argument('json_logs', nargs='+', help='vis_data/*.json logs')
    plot.add_argument(
        '--keys', nargs='+', help='scalars to draw (default: losses and mAPs)')
    plot.add_argument('--legend', nargs='+', help='one label per log')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--out', default='curves.png', help='output image')
    # mmpretrain 1.2.0's flags of the same tool
    plot.add_argument(
        '--style',
        default='whitegrid',
        help="seaborn style (mmpretrain's flag); used when "
        "seaborn is installed, else matplotlib's copy of it "
        '(seaborn-v0_8-STYLE) or its style of that name')
    plot.add_argument(
        '--window-size',
        default=None,
        metavar='W*H',
        help='figure size in inches, "W*H" as in mmpretrain '
        '(default: 6.4 wide, 2.6 per panel)')
    timing = sub.add_parser(
        'cal_train_time', help='time per iteration, per epoch')
    timing.add_argument('json_logs', nargs='+', help='vis_data/*.json logs')
    timing.add_argument(
        '--include-outliers',
        action='store_true',
        help='keep the first iteration of each log (it '
        'includes warm-up work) in the averages')
    args = parser.parse_args(argv)
    if getattr(args, 'window_size', None):
        try:
            w, h = (float(v) for v in args.window_size.split('*'))
        except ValueError:
            parser.error(f'--window-size takes "W*H", got '
                         f'{args.window_size!r}')
        args.window_size = (w, h)
    if getattr(args, 'legend', None) and len(args.legend) != len(
            args.json_logs):
        parser.error(f'--legend needs one label per log: '
                     f'{len(args.json_logs)} logs, {len(args.legend)} labels')
    return args


def load_logs(paths: Sequence[str]) -> List[Dict[str, List[dict]]]:
    from mmpretrain.utils import load_json_log
    logs = []
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'analyze_logs: no such log {path!r}')
        try:
            log = load_json_log(path)
        except ValueError as e:  # json.JSONDecodeError
            raise ValueError(f'analyze_logs: {path} is not an mmengine JSON '
                             f'log (one JSON object per line): {e}') from e
        if not log['train'] and not log['val']:
            raise ValueError(f'analyze_logs: {path} holds no records')
        logs.append(log)
    return logs


def default_keys(logs: Sequence[Dict[str, List[dict]]]) -> List[str]:
    keys: 'OrderedDict[str, None]' = OrderedDict()
    for log in logs:
        for rec in log['train']:
            keys.update((k, None) for k in rec if 'loss' in k)
    for log in logs:
        for rec in log['val']:
            keys.update((k, None) for k in rec if k.endswith('mAP'))
    return list(keys)


def curve(log: Dict[str, List[dict]],
          key: str) -> Tuple[np.ndarray, np.ndarray, str]:
    """``(x, y, x label)`` of ``key``, from training or validation records."""
    train = [r for r in log['train'] if key in r]
    if train:
        return (np.array([r['step'] for r in train]),
                np.array([r[key] for r in train], dtype=float), 'iter')
    val = [r for r in log['val'] if key in r]
    if val:
        by_epoch = any('epoch' in r for r in log['train'])
        return (np.array([r['step'] for r in val]),
                np.array([r[key] for r in val],
                         dtype=float), 'epoch' if by_epoch else 'iter')
    return np.array([]), np.array([]), ''


def style_context(style: Optional[str]):
    """``--style`` for one figure: seaborn's when installed (as mmpretrain
    does), else matplotlib's copy (``seaborn-v0_8-STYLE``) or its style of
    that name, else none; nothing global is changed."""
    import contextlib
    if not style:
        return contextlib.nullcontext()
    try:
        import seaborn as sns
        return sns.axes_style(style)
    except ImportError:
        pass
    for name in (style, f'seaborn-v0_8-{style}'):
        if name in plt.style.available:
            return plt.style.context(name)
    return contextlib.nullcontext()


def plot_curve(args: argparse.Namespace) -> Dict[str, List[np.ndarray]]:
    with style_context(getattr(args, 'style', None)):
        return _plot_curve(args)


def _plot_curve(args: argparse.Namespace) -> Dict[str, List[np.ndarray]]:
    logs = load_logs(args.json_logs)
    keys = args.keys or default_keys(logs)
    if not keys:
        raise KeyError('analyze_logs: no loss or mAP scalars in the logs; '
                       'name them with --keys')
    legend = args.legend or [osp.basename(p) for p in args.json_logs]
    drawn: Dict[str, List[np.ndarray]] = {}
    fig, axes = plt.subplots(
        len(keys),
        1,
        squeeze=False,
        figsize=getattr(args, 'window_size', None) or (6.4, 2.6 * len(keys)))
    for ax, key in zip(axes[:, 0], keys):
        found = False
        for log, path, label in zip(logs, args.json_logs, legend):
            x, y, xlabel = curve(log, key)
            if not len(x):
                continue
            found = True
            drawn.setdefault(key, []).append(y)
            ax.plot(x, y, label=label, marker='o' if len(x) < 20 else None)
            ax.set_xlabel(xlabel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not found:
            present = sorted({
                k
                for log in logs
                for r in log['train'] + log['val']
                for k in r
            })
            raise KeyError(f'analyze_logs: key {key!r} is in none of the logs '
                           f'{list(args.json_logs)}; keys present: {present}')
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        raise FileNotFoundError(f'analyze_logs: output folder {out_dir!r} '
                                'missing')
    fig.savefig(args.out, dpi=110)
    plt.close(fig)
    print(f'analyze_logs: wrote {args.out} ({", ".join(keys)})')
    return drawn


def cal_train_time(args: argparse.Namespace) -> List[Dict[str, float]]:
    summaries = []
    for path, log in zip(args.json_logs, load_logs(args.json_logs)):
        train = [r for r in log['train'] if 'time' in r]
        if not args.include_outliers:
            train = train[1:]
        if not train:
            raise ValueError(f'analyze_logs: {path} has no timed training '
                             'iterations to average')
        epochs: 'OrderedDict[int, List[float]]' = OrderedDict()
        for r in train:
            epochs.setdefault(r.get('epoch', 1), []).append(r['time'])
        per_epoch = np.array([np.mean(t) for t in epochs.values()])
        numbers = list(epochs)
        summary = dict(
            avg_iter_time=float(np.mean([r['time'] for r in train])),
            slowest_epoch=int(numbers[int(per_epoch.argmax())]),
            slowest_epoch_time=float(per_epoch.max()),
            fastest_epoch=int(numbers[int(per_epoch.argmin())]),
            fastest_epoch_time=float(per_epoch.min()),
            epoch_time_std=float(per_epoch.std()))
        print(f'-----Analyze train time of {path}-----')
        print(f'slowest epoch {summary["slowest_epoch"]}, average time is '
              f'{summary["slowest_epoch_time"]:.4f} s/iter')
        print(f'fastest epoch {summary["fastest_epoch"]}, average time is '
              f'{summary["fastest_epoch_time"]:.4f} s/iter')
        print(f'time std over epochs is {summary["epoch_time_std"]:.4f}')
        print(f'average iter time: {summary["avg_iter_time"]:.4f} s/iter')
        summaries.append(summary)
    return summaries


def main(argv: Optional[Sequence[str]] = None):
    args = parse_args(argv)
    if args.task == 'plot_curve':
        return plot_curve(args)
    return cal_train_time(args)


if __name__ == '__main__':
    main()
