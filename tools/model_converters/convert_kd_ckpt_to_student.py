"""Turn a distillation checkpoint into a plain mmpretrain checkpoint of the
student.

    python tools/model_converters/convert_kd_ckpt_to_student.py SRC [DST]
        [--out-path DIR] [--inplace]

(mmrazor's tool of the same name takes ``CHECKPOINT [--out-path DIR]
[--inplace]`` and writes ``<name>_student.pth``: so does this one, and
``DST`` may name the file instead.)

A checkpoint saved while training a ``SingleTeacherDistill`` (or any mmrazor
``KDxxx`` algorithm) holds the student under ``architecture.``, the frozen
teacher under ``teacher.``, the connectors under ``distiller.``, plus the
optimizer, schedulers and message hub. The converted file keeps only the
student's weights with the ``architecture.`` prefix removed, and ``meta``
(dataset classes, epoch, seed, ...), so the student's own config loads it
strictly: ``tools/test.py configs/demo/student_alone.py DST``,
``mmpretrain.apis.get_model(cfg, pretrained=DST)`` or
``mmengine.runner.load_checkpoint(model, DST, strict=True)``.

``meta['cfg']`` (which mmengine inferencers read when no config is given)
becomes the student's config, derived from the distillation config; the
distillation config moves to ``meta['distill_cfg']``. Both are written from
the config *parsed as data* (``mmlkd.utils.config_text``): the stored text
is never executed, and a checkpoint whose config text holds anything but
literal assignments (code) is refused, so no payload is carried on.
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

STUDENT = 'architecture.'
# Prefixes of a distillation state dict that are not the student.
DROPPED = ('teacher.', 'distiller.', 'data_preprocessor.')


class NotADistillationCheckpoint(ValueError):
    """The file is a checkpoint, but not of a distillation run."""


def split_state_dict(
        state_dict: Dict[str, torch.Tensor],
        src: str = 'checkpoint'
) -> Tuple['OrderedDict[str, torch.Tensor]', Dict]:
    """Student weights (prefix stripped) and a count of what was dropped."""
    # DDP-wrapped saves (rare with mmengine) prefix everything with `module.`.
    if state_dict and all(k.startswith('module.') for k in state_dict):
        state_dict = OrderedDict(
            (k[len('module.'):], v) for k, v in state_dict.items())
    student = OrderedDict((k[len(STUDENT):], v) for k, v in state_dict.items()
                          if k.startswith(STUDENT))
    if not student:
        prefixes = sorted({k.split('.')[0] for k in state_dict})
        hint = (' It looks like a plain classifier checkpoint already '
                '(backbone/head keys): use it as it is.'
                if {'backbone', 'head'} & set(prefixes) else '')
        raise NotADistillationCheckpoint(
            f'{src}: no "{STUDENT}*" keys, so it is not a distillation '
            f'checkpoint (top-level key prefixes: {prefixes or "none"}).'
            f'{hint}')
    unknown = sorted({
        k.split('.')[0]
        for k in state_dict if not k.startswith((STUDENT, ) + DROPPED)
    })
    if unknown:
        raise NotADistillationCheckpoint(
            f'{src}: unexpected state_dict prefixes {unknown} beside '
            f'"{STUDENT}", "teacher.", "distiller."; refusing to guess '
            'which weights belong to the student.')
    dropped = {}
    for k in state_dict:
        if not k.startswith(STUDENT):
            head = k.split('.')[0]
            dropped[head] = dropped.get(head, 0) + 1
    return student, dropped


def student_config_text(distill_cfg_text: str,
                        src: str = 'checkpoint') -> Optional[str]:
    """The student's config derived from a distillation config's text.

    The student becomes ``model``, with the data preprocessor the algorithm
    used; the teacher-validating loop and DDP's unused-parameter search go.
    The text is read as data, never executed; it raises
    ``UnsafeConfigText`` if it is not plain literal assignments. Returns
    None when the config is not a distillation one.
    """
    from mmlkd.utils.config_text import parse_config_text
    cfg = parse_config_text(distill_cfg_text, f"{src} meta['cfg']")
    model = cfg.get('model')
    if not isinstance(model, dict) or 'architecture' not in model:
        return None
    student = model['architecture']
    if not isinstance(student, dict):  # an already-built module: no config
        return None
    preprocessor = (
        student.get('data_preprocessor') or model.get('data_preprocessor')
        or cfg.get('data_preprocessor'))
    if preprocessor is not None:
        student['data_preprocessor'] = preprocessor
    student.setdefault('_scope_', 'mmpretrain')
    cfg['model'] = student
    if 'Distill' in str(cfg.get('val_cfg', {}).get('type', '')):
        cfg['val_cfg'] = dict()
    cfg.pop('find_unused_parameters', None)
    return cfg.pretty_text


def convert(src: str, dst: str) -> Dict:
    """Convert ``src`` and save the student checkpoint at ``dst``.

    Returns a summary: number of student tensors and what was dropped.
    """
    import mmlkd  # noqa: F401  (mmlkd.compat: safe loading of mmengine ckpts)
    if not osp.isfile(src):
        raise FileNotFoundError(f'checkpoint {src!r} does not exist')
    if osp.abspath(src) == osp.abspath(dst):
        raise ValueError(f'SRC and DST are the same file ({src!r}); the '
                         'distillation checkpoint would be overwritten')
    from mmlkd.utils.checkpoint_loading import _reason
    from mmlkd.utils.config_text import parse_config_text, unsafe_config_fields
    try:
        ckpt = torch.load(src, map_location='cpu', weights_only=True)
    except Exception as e:
        raise ValueError(f'{src}: cannot be read as a torch checkpoint: '
                         f'{_reason(e)}') from None
    if not isinstance(ckpt, dict):
        raise NotADistillationCheckpoint(
            f'{src}: holds a {type(ckpt).__name__}, not a checkpoint dict')
    if 'state_dict' in ckpt:
        state_dict, meta = ckpt['state_dict'], dict(ckpt.get('meta') or {})
    elif ckpt and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        state_dict, meta = ckpt, {}  # a bare state dict
    else:
        raise NotADistillationCheckpoint(
            f'{src}: no "state_dict" entry (keys: {sorted(ckpt)})')
    student, dropped = split_state_dict(state_dict, src)
    unsafe = unsafe_config_fields(ckpt, src)
    if unsafe:
        raise ValueError(
            f'{src}: refusing to convert: its stored config text is not plain '
            f'data ({", ".join(unsafe)}); {next(iter(unsafe.values()))}')

    # Config text is rewritten from its parsed form: what goes out is data.
    for key in ('config', 'distill_cfg'):
        if isinstance(meta.get(key), str):
            meta[key] = parse_config_text(meta[key]).pretty_text
    if isinstance(meta.get('cfg'), str):
        text = student_config_text(meta['cfg'], src)
        if text is not None:
            meta['distill_cfg'] = parse_config_text(meta['cfg']).pretty_text
            meta['cfg'] = text
        else:
            meta['cfg'] = parse_config_text(meta['cfg']).pretty_text
    meta['converted_from'] = osp.basename(src)
    # Optimizer, schedulers, message hub and the teacher's weights are left
    # behind: the result is for evaluation, inference or fine-tuning.
    out = dict(meta=meta, state_dict=student)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(out, dst)
    return dict(
        student_tensors=len(student),
        dropped=dropped,
        dropped_entries=sorted(
            k for k in ckpt if k not in ('meta', 'state_dict')))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description='Extract the student of a distillation checkpoint as a '
        'plain mmpretrain checkpoint.')
    # mmrazor 1.0.0's tool of the same name: CHECKPOINT [--out-path DIR]
    # [--inplace], writing DIR/<name>_student.pth; DST may name the file.
    parser.add_argument(
        'src', metavar='checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument(
        'dst',
        nargs='?',
        help='where to write the student checkpoint '
        '(default: <name>_student.pth in --out-path, else '
        "next to the input, as mmrazor's tool)")
    parser.add_argument(
        '--out-path', help='folder for <name>_student.pth '
        '(mmrazor)')
    parser.add_argument(
        '--inplace',
        action='store_true',
        help='replace the input checkpoint (mmrazor)')
    args = parser.parse_args(argv)
    if sum(map(bool, (args.dst, args.out_path, args.inplace))) > 1:
        parser.error('give at most one of DST, --out-path and --inplace')
    inplace_tmp = None
    if args.inplace:
        inplace_tmp = args.src + '.student.tmp'
        args.dst = inplace_tmp
    elif not args.dst:
        stem = osp.splitext(osp.basename(args.src))[0]
        args.dst = osp.join(
            args.out_path or osp.dirname(args.src), f'{stem}_student.pth')
    try:
        info = convert(args.src, args.dst)
        if inplace_tmp is not None:  # written completely, then swapped in
            os.replace(inplace_tmp, args.src)
            args.dst = args.src
    except (NotADistillationCheckpoint, FileNotFoundError, ValueError) as e:
        if inplace_tmp is not None and osp.exists(inplace_tmp):
            os.remove(inplace_tmp)
        raise SystemExit(f'error: {e}')
    dropped = ', '.join(f'{k}.* ({n})' for k, n in info['dropped'].items())
    print(f'saved {info["student_tensors"]} student tensors to {args.dst}; '
          f'dropped {dropped or "no other weights"}' +
          (f' and {", ".join(info["dropped_entries"])}'
           if info['dropped_entries'] else ''))


if __name__ == '__main__':
    main()
