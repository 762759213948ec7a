"""Copy the quality benchmark's figures into the per-method docs, so that
no number in a method README or metafile is typed by hand.

    python tools/benchmark/publish_results.py \
        [--results work_dirs/quality/results.json] [--check] [--root .]

Reads ``results.json`` (written by ``tools/benchmark/quality.py``, i.e.
``make quality``) and rewrites, under ``<root>/configs/``:

* every method ``README.md``: in the "Results and models" table, with the
  columns ``| data | teacher | student | config | mAP | paired gain vs alone
  [95 % CI] | teacher mAP | student alone mAP | notes |``. A DemoShapes row
  is matched to its benchmark row by the config link of its config cell
  (resolved against the README's folder). Its mAP cells become
  ``mean ± std (n seeds)`` (``mean (1 seed)`` for one seed), the gain cell
  ``+g ± s [+low, +high]`` plus `` (significant)`` when the 95 % interval
  excludes 0 (``+g (1 pair: no interval)`` for one pair); teacher and
  student-alone cells come from the method's teacher and baseline rows. A
  DemoShapes config that the run did not cover reads ``not in this run``.
  Other rows (COCO / VOC / NUS-WIDE), notes and prose are left alone.
* every ``metafile.yml``: for a model whose ``Config`` is in the results,
  ``Results[0].Metrics`` (``mAP``, ``mAP std`` when more than one seed,
  ``paired mAP gain``, ``paired mAP gain 95% CI`` as ``[low, high]`` when
  there is an interval, ``seeds``) and the ``Metrics`` of
  ``Metadata.Student`` / ``Metadata.Teacher`` from the baseline and teacher
  rows. The header comment and the key order are kept.

``--check`` writes nothing: it lists every file that would change and exits
1, or exits 0 when the docs are up to date (for CI and maintainers). Bad
input (no results.json, a DemoShapes row without a config link) exits 2
with a message naming the file (and line).
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

import yaml

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from methods import ALL_METHODS, BASELINES, TEACHERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_RESULTS = 'work_dirs/quality/results.json'

NEW_HEADER = [
    'data', 'teacher', 'student', 'config', 'mAP',
    'paired gain vs alone [95 % CI]', 'teacher mAP', 'student alone mAP',
    'notes'
]
GAIN_COL = NEW_HEADER.index('paired gain vs alone [95 % CI]')
NOT_IN_RUN = 'not in this run'
LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')


class PublishError(Exception):
    """A problem with the inputs, reported without a traceback."""


# ---------------------------------------------------------------- formatting
def fmt_map(row: Dict) -> str:
    """``mean ± std (n seeds)`` or ``mean (1 seed)``."""
    n = len(row['seeds'])
    mean, std = row['mAP']['mean'], row['mAP']['std']
    if n < 2 or std is None:
        return f'{mean:.2f} ({n} seed{"s" if n != 1 else ""})'
    return f'{mean:.2f} ± {std:.2f} ({n} seeds)'


def fmt_gain(gain: Optional[Dict]) -> str:
    if gain is None:
        return 'no seed paired with the baseline'
    if gain['low'] is None or gain['std'] is None:
        return f'{gain["mean"]:+.2f} (1 pair: no interval)'
    cell = (f'{gain["mean"]:+.2f} ± {gain["std"]:.2f} '
            f'[{gain["low"]:+.2f}, {gain["high"]:+.2f}]')
    return cell + (' (significant)' if gain['significant'] else '')


# ---------------------------------------------------------------- results
def load_results(path: str) -> Dict[str, Dict]:
    if not osp.isfile(path):
        raise PublishError(
            f'{path}: no such file; run `make quality` (or '
            f'tools/benchmark/quality.py) first, or pass --results')
    with open(path) as f:
        try:
            results = json.load(f)
        except json.JSONDecodeError as e:
            raise PublishError(f'{path}: not JSON ({e})') from None
    for key, row in results.items():
        for field in ('config', 'seeds', 'mAP'):
            if field not in row:
                raise PublishError(f'{path}: row {key!r} has no {field!r}')
    return results


class Lookup:
    """Rows of results.json by config path and by key."""

    def __init__(self, results: Dict[str, Dict]):
        self.results = results
        self.by_config = {row['config']: key for key, row in results.items()}

    def method(self, config: str) -> Tuple[Optional[str], Optional[Dict]]:
        key = self.by_config.get(config)
        if key is None:
            key = next(
                (m
                 for m, meth in ALL_METHODS.items() if meth.config == config),
                None)
        return key, self.results.get(key) if key else None

    def companions(
        self, key: Optional[str], teacher_config: Optional[str],
        student_config: Optional[str]
    ) -> Tuple[Optional[Dict], Optional[Dict]]:
        """Teacher and baseline rows of method ``key`` (or, for a config
        the benchmark does not know, of the configs the row links)."""
        teacher = baseline = None
        if key in ALL_METHODS:
            teacher, baseline = (ALL_METHODS[key].teacher,
                                 ALL_METHODS[key].baseline)
        if key in self.results and self.results[key].get('baseline'):
            baseline = self.results[key]['baseline']
        if teacher is None:
            teacher = next(
                (t for t, (c, _) in TEACHERS.items() if c == teacher_config),
                None)
        if baseline is None:
            baseline = next(
                (b for b, (c, _) in BASELINES.items() if c == student_config),
                None)
        return self.results.get(teacher), self.results.get(baseline)


# ---------------------------------------------------------------- READMEs
def split_row(line: str) -> List[str]:
    return [c.strip() for c in line.strip().strip('|').split('|')]


def join_row(cells: List[str]) -> str:
    return '| ' + ' | '.join(cells) + ' |'


def link_target(cell: str, readme: str, root: str) -> Optional[str]:
    """The linked file of a cell as a path relative to ``root``."""
    m = LINK.search(cell)
    if m is None:
        return None
    path = osp.normpath(osp.join(osp.dirname(readme), m.group(1)))
    return osp.relpath(path, root).replace(os.sep, '/')


def publish_readme(text: str, readme: str, root: str, lookup: Lookup) -> str:
    lines = text.split('\n')
    section = False
    layout = None  # column names of the table being read
    out = []
    for no, line in enumerate(lines, 1):
        if line.startswith('## '):
            section = line[3:].strip() == 'Results and models'
            layout = None
        if not section or not line.startswith('|'):
            layout = None if not line.startswith('|') else layout
            out.append(line)
            continue
        cells = split_row(line)
        if cells == NEW_HEADER:
            layout = cells
            out.append(join_row(NEW_HEADER))
            continue
        if layout is None:
            out.append(line)
            continue
        if set(''.join(cells)) <= set('-: '):
            out.append(join_row(['---'] * len(NEW_HEADER)))
            continue
        if len(cells) != len(layout):
            raise PublishError(
                f'{readme}:{no}: {len(cells)} cells, the table has '
                f'{len(layout)} columns')
        if cells[0] == 'DemoShapes':
            cells = demo_row(cells, readme, no, root, lookup)
        out.append(join_row(cells))
    return '\n'.join(out)


def demo_row(cells: List[str], readme: str, no: int, root: str,
             lookup: Lookup) -> List[str]:
    col = {name: i for i, name in enumerate(NEW_HEADER)}
    config = link_target(cells[col['config']], readme, root)
    if config is None or not config.endswith('.py'):
        raise PublishError(
            f'{readme}:{no}: config cell {cells[col["config"]]!r} has no '
            f'link to a config file like [demo_x.py](demo_x.py)')
    key, row = lookup.method(config)
    if row is None:
        cells[col['mAP']] = cells[GAIN_COL] = NOT_IN_RUN
    else:
        cells[col['mAP']] = fmt_map(row)
        cells[GAIN_COL] = fmt_gain(row.get('gain'))
    teacher, baseline = lookup.companions(
        key, link_target(cells[col['teacher']], readme, root),
        link_target(cells[col['student']], readme, root))
    if teacher is not None:
        cells[col['teacher mAP']] = fmt_map(teacher)
    if baseline is not None:
        cells[col['student alone mAP']] = fmt_map(baseline)
    return cells


# ---------------------------------------------------------------- metafiles
class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key, as the metafiles are written."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Single quotes on names and notes with punctuation, as hand-written.
    style = "'" if any(s in value for s in (',', ': ', "'")) else None
    return dumper.represent_scalar('tag:yaml.org,2002:str', value, style=style)


class _Interval(list):
    """``[low, high]`` on one line."""


_Dumper.add_representer(str, _str)
_Dumper.add_representer(
    _Interval, lambda dumper, value: dumper.represent_sequence(
        'tag:yaml.org,2002:seq', value, flow_style=True))


def dump_metafile(meta: Dict, header: str) -> str:
    body = yaml.dump(
        meta,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=10**6,
        default_flow_style=False)
    # A blank line between the top-level sections.
    body = re.sub(r'\n(?=[A-Za-z])', '\n\n', body)
    return header + body


def _metrics(row: Dict) -> Dict:
    out = {'mAP': round(row['mAP']['mean'], 2)}
    if len(row['seeds']) > 1 and row['mAP']['std'] is not None:
        out['mAP std'] = round(row['mAP']['std'], 2)
    return out


def _set_metrics(record: Dict, row: Dict, keys=('mAP', 'mAP std')) -> None:
    metrics = record.setdefault('Metrics', {})
    for k in keys:
        metrics.pop(k, None)
    metrics.update(_metrics(row))


def publish_metafile(text: str, lookup: Lookup) -> str:
    lines = text.split('\n')
    n_header = 0
    while n_header < len(lines) and lines[n_header].startswith('#'):
        n_header += 1
    header = ''.join(line + '\n' for line in lines[:n_header])
    meta = yaml.safe_load(text)
    for model in meta.get('Models', []):
        key, row = lookup.method(model.get('Config', ''))
        md = model.setdefault('Metadata', {})
        if row is None:
            if md.get('Training Data') == 'DemoShapes' and 'Results' in model:
                # The README row now reads 'not in this run': no number
                # is claimed that this run did not measure.
                del model['Results']
                md['Results'] = 'not run yet'
            continue
        teacher, baseline = lookup.companions(
            key,
            md.get('Teacher', {}).get('Config'),
            md.get('Student', {}).get('Config'))
        if baseline is not None and 'Student' in md:
            _set_metrics(md['Student'], baseline)
        if teacher is not None and 'Teacher' in md:
            _set_metrics(md['Teacher'], teacher)
        metrics = _metrics(row)
        gain = row.get('gain')
        if gain is not None:
            metrics['paired mAP gain'] = round(gain['mean'], 2)
            if gain['low'] is not None:
                metrics['paired mAP gain 95% CI'] = _Interval(
                    [round(gain['low'], 2),
                     round(gain['high'], 2)])
        metrics['seeds'] = len(row['seeds'])
        if 'Results' not in model:
            md.pop('Results', None)  # the 'not run yet' placeholder
            # Results before Config, as in the other records.
            items = [(k, v) for k, v in model.items() if k != 'Config']
            items.append(('Results', [{
                'Task':
                'Multi-Label Classification',
                'Dataset':
                md.get('Training Data', 'DemoShapes')
            }]))
            if 'Config' in model:
                items.append(('Config', model['Config']))
            model.clear()
            model.update(items)
        model['Results'][0]['Metrics'] = metrics
    return dump_metafile(meta, header)


# ---------------------------------------------------------------- main
def plan(root: str, lookup: Lookup) -> Dict[str, Tuple[str, str]]:
    """path -> (current text, published text) for every doc file."""
    docs = {}
    configs = osp.join(root, 'configs')
    if not osp.isdir(configs):
        raise PublishError(f'{configs}: no such folder (see --root)')
    for folder in sorted(os.listdir(configs)):
        for name, fn in (('README.md', publish_readme), ('metafile.yml',
                                                         publish_metafile)):
            path = osp.join(configs, folder, name)
            if not osp.isfile(path):
                continue
            with open(path, encoding='utf-8') as f:
                text = f.read()
            new = (
                fn(text, path, root, lookup) if name == 'README.md' else fn(
                    text, lookup))
            docs[path] = (text, new)
    return docs


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Copy the quality benchmark results into the method '
        'READMEs and metafiles.')
    parser.add_argument(
        '--results',
        default=None,
        help=f'results.json of tools/benchmark/quality.py '
        f'(default: <root>/{DEFAULT_RESULTS})')
    parser.add_argument(
        '--check',
        action='store_true',
        help='change nothing; exit 1 and list the files '
        'that would change')
    parser.add_argument(
        '--root',
        default=REPO,
        help='repository root holding configs/ (default: '
        'this checkout)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    results = args.results or osp.join(args.root, DEFAULT_RESULTS)
    try:
        lookup = Lookup(load_results(results))
        docs = plan(args.root, lookup)
    except PublishError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    stale = [p for p, (old, new) in docs.items() if old != new]
    if args.check:
        for path in stale:
            print(f'would change: {osp.relpath(path, args.root)}')
        if stale:
            print(f'{len(stale)} file(s) out of date with {results}; run '
                  f'tools/benchmark/publish_results.py')
        return 1 if stale else 0
    for path in stale:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(docs[path][1])
        print(f'updated {osp.relpath(path, args.root)}')
    if not stale:
        print('all method docs are up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main())
