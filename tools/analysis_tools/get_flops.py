"""Parameters and FLOPs of the models of a config.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H [W]]
        [--cfg-options k=v ...] [--table]

For a distillation config (``model.architecture`` and ``model.teacher``) the
teacher and the student are counted, for a plain classifier config its model.
Counts come from ``mmengine.analysis.get_model_complexity_info`` on the
model's tensor forward (backbone, neck, head; no loss, no data
preprocessing) for one image of 3 x H x W. As in mmengine (fvcore), one
multiply-add counts as one FLOP; operators it has no formula for (batch
norm, pooling) count zero and are listed in its warnings.
"""
import argparse
import copy
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of a teacher and student')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[224, 224],
        help='input image size H [W] (default 224 224)')
    parser.add_argument(
        '--table',
        action='store_true',
        help="also print mmengine's per-module table")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.teacher.backbone.depth=50')
    args = parser.parse_args(argv)
    if len(args.shape) == 1:
        args.shape = args.shape * 2
    if len(args.shape) != 2 or min(args.shape) < 1:
        parser.error(f'--shape takes H or H W (positive), got {args.shape}')
    return args


class TensorForward(torch.nn.Module):
    """The classifier's ``mode='tensor'`` forward (what inference runs)."""

    def __init__(self, classifier: torch.nn.Module) -> None:
        super().__init__()
        self.classifier = classifier

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.classifier(inputs, mode='tensor')


def model_cfgs(cfg: Config) -> List[Tuple[str, dict]]:
    """``(role, classifier config)`` pairs: teacher and student, or model."""
    model = cfg.get('model')
    if not isinstance(model, dict):
        raise KeyError('get_flops: the config has no `model` dict')
    if 'architecture' in model:
        roles = [('teacher', model.get('teacher')),
                 ('student', model['architecture'])]
    else:
        roles = [('model', model)]
    out = []
    for role, sub in roles:
        if not isinstance(sub, dict):
            raise TypeError(f'get_flops: the {role} of the config must be a '
                            f'config dict, got {type(sub).__name__}')
        sub = copy.deepcopy(sub)
        sub.setdefault('_scope_', 'mmpretrain')
        # Counting needs no data preprocessing (it is not part of the
        # network); dropping it avoids building one per model.
        sub.pop('data_preprocessor', None)
        out.append((role, sub))
    return out


def complexity(model_cfg: dict,
               shape: Sequence[int],
               table: bool = False) -> Dict:
    """mmengine's complexity record of one classifier for a 3 x H x W input."""
    from mmengine.analysis import get_model_complexity_info
    from mmpretrain.registry import MODELS

    # No init_weights(): a Pretrained init_cfg would try to download.
    model = MODELS.build(model_cfg).eval()
    return get_model_complexity_info(
        TensorForward(model),
        input_shape=(3, *shape),
        show_table=table,
        show_arch=False)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Dict]:
    args = parse_args(argv)
    import mmlkd.compat
    mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases need it
    import mmlkd  # noqa: F401  (registers mmlkd's heads)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'get_flops: no such config {args.config!r}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    results = {}
    for role, sub in model_cfgs(cfg):
        results[role] = complexity(sub, args.shape, args.table)
    h, w = args.shape
    lines = [
        f'Input shape: (3, {h}, {w})', f'{"model":<8} {"params":>10} '
        f'{"FLOPs":>10}'
    ]
    for role, r in results.items():
        lines.append(f'{role:<8} {r["params_str"]:>10} {r["flops_str"]:>10}')
        if args.table:
            lines.append(r['out_table'])
    if set(results) == {'teacher', 'student'}:
        t, s = results['teacher'], results['student']
        lines.append('student / teacher: params '
                     f'{s["params"] / t["params"]:.3f}, FLOPs '
                     f'{s["flops"] / t["flops"]:.3f}')
    print('\n'.join(lines))
    return results


if __name__ == '__main__':
    main()
