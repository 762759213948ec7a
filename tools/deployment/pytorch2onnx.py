"""Export a student classifier to ONNX, with a dynamic batch axis.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx
        [--shape 224 | --shape H W] [--opset 17] [--output scores|logits]
        [--verify]

CONFIG is the classifier's own config (e.g. ``configs/demo/student_alone.py``)
or a distillation config (e.g. ``configs/demo/mld.py``): then the student is
exported, ``model.architecture`` with the data preprocessor the run used.
CHECKPOINT is a classifier checkpoint, a student exported by
``tools/model_converters/convert_kd_ckpt_to_student.py``, or a distillation
checkpoint itself (its ``architecture.*`` weights are taken, exactly as that
converter does). Weights are loaded strictly.

The graph takes one input, ``input``, float32 ``N x 3 x H x W``: an image
already through the config's data preprocessor, i.e. ``(x - mean) / std`` in
the channel order the preprocessor hands the model (see docs/deployment.md,
and the ``mmlkd.*`` metadata stored in the file). Its one output is
``scores`` (sigmoid probabilities, ``--output scores``, the default: what
``tools/inference.py`` thresholds) or ``logits`` (``--output logits``: the
head's raw output, before the sigmoid), ``N x num_classes``. ``N`` is
dynamic; H and W are fixed at ``--shape``.
"""
import argparse
import json
import os
import os.path as osp
import sys
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))

OUTPUTS = ('scores', 'logits')


class ExportError(ValueError):
    """Config or checkpoint cannot be exported; says why."""


class ClassifierForExport(torch.nn.Module):
    """``model(x, mode='tensor')``, with the sigmoid when ``output='scores'``.

    The data preprocessor is left out: the graph takes normalised tensors.
    """

    def __init__(self, classifier: torch.nn.Module, output: str = 'scores'):
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f'output must be one of {OUTPUTS}, not '
                             f'{output!r}')
        self.classifier = classifier
        self.output = output

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        out = self.classifier(inputs, mode='tensor')
        if isinstance(out, (tuple, list)):  # heads returning (logits, ...)
            out = out[-1] if len(out) else out
        if not isinstance(out, torch.Tensor):
            raise ExportError(
                f'the model returns a {type(out).__name__} in tensor mode, '
                'not one tensor of class logits')
        return out.sigmoid() if self.output == 'scores' else out


def student_model_cfg(cfg) -> Tuple[dict, bool]:
    """The classifier config to export, and whether it is a student."""
    model = cfg.get('model')
    if not isinstance(model, dict):
        raise ExportError('the config has no model dict')
    if 'architecture' not in model:
        return dict(model), False
    student = model['architecture']
    if not isinstance(student, dict):
        raise ExportError('model.architecture is not a config dict')
    student = dict(student)
    preprocessor = (
        student.get('data_preprocessor') or model.get('data_preprocessor')
        or cfg.get('data_preprocessor'))
    if preprocessor is not None:
        student['data_preprocessor'] = preprocessor
    student.setdefault('_scope_', 'mmpretrain')
    return student, True


def classifier_state_dict(ckpt: Dict, path: str) -> Tuple[Dict, bool]:
    """Classifier weights of a checkpoint, and whether it was a distillation.

    A distillation checkpoint's student is split off by the converter's own
    ``split_state_dict`` (``architecture.`` stripped, teacher and connectors
    dropped, anything unknown refused).
    """
    from convert_kd_ckpt_to_student import STUDENT, split_state_dict

    from mmlkd.utils.checkpoint_loading import state_dict_of
    state = state_dict_of(ckpt)
    keys = [
        k[len('module.'):] if k.startswith('module.') else k for k in state
    ]
    if any(k.startswith(STUDENT) for k in keys):
        student, _ = split_state_dict(state, path)
        return student, True
    return state, False


def preprocessing(model_cfg: dict, cfg) -> Dict:
    """What the graph expects of its input, read from the data preprocessor."""
    pre = dict(
        model_cfg.get('data_preprocessor') or cfg.get('data_preprocessor')
        or {})
    to_rgb = bool(pre.get('to_rgb', pre.get('bgr_to_rgb', False)))
    return dict(
        mean=[float(v) for v in pre.get('mean') or [0.0, 0.0, 0.0]],
        std=[float(v) for v in pre.get('std') or [1.0, 1.0, 1.0]],
        to_rgb=to_rgb,
        # ClsDataPreprocessor flips the channels when to_rgb is set: the
        # model sees the reverse of the order the pipeline loads.
        channel_order=('reversed from the loaded image (BGR file -> RGB)'
                       if to_rgb else 'as the pipeline loads it'))


def class_names(ckpt: Dict, cfg) -> Optional[List[str]]:
    """Class names from the checkpoint's dataset_meta, else the config."""
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    classes = (meta.get('dataset_meta') or {}).get('classes')
    if classes:
        return [str(c) for c in classes]
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        classes = dataset.get('classes') or (dataset.get('metainfo')
                                             or {}).get('classes')
        if classes and not isinstance(classes, str):
            return [str(c) for c in classes]
    return None


def build_classifier(config: str, checkpoint: str):
    """The (student) classifier with its weights, and what to record."""
    import mmlkd.compat
    mmlkd.compat.apply()  # before parsing: `mmpretrain::` bases need it
    from mmengine.config import Config

    import mmlkd  # noqa: F401  (registers mmlkd's heads)
    from mmlkd.utils.checkpoint_loading import (build_for_check, load_strictly,
                                                read_checkpoint)
    if not osp.isfile(config):
        raise FileNotFoundError(f'pytorch2onnx: no such config {config!r}')
    cfg = Config.fromfile(config)
    model_cfg, from_distill_cfg = student_model_cfg(cfg)
    ckpt = read_checkpoint(checkpoint, 'pytorch2onnx')
    state, from_distill_ckpt = classifier_state_dict(ckpt, checkpoint)
    model = build_for_check(
        model_cfg,
        cfg.get('default_scope', 'mmpretrain') or 'mmpretrain')
    load_strictly(
        model, checkpoint, 'pytorch2onnx', ckpt=dict(state_dict=state))
    info = dict(
        student=from_distill_cfg or from_distill_ckpt,
        classes=class_names(ckpt, cfg),
        preprocessing=preprocessing(model_cfg, cfg))
    return model.eval(), info


def export(config: str,
           checkpoint: str,
           out: str,
           shape: Sequence[int] = (224, 224),
           opset: int = 17,
           output: str = 'scores') -> Dict:
    """Write ``out`` and return what was exported (for printing, tests)."""
    model, info = build_classifier(config, checkpoint)
    wrapped = ClassifierForExport(model, output).eval()
    h, w = (shape[0], shape[0]) if len(shape) == 1 else tuple(shape)
    dummy = torch.zeros(1, 3, h, w)
    with torch.no_grad():
        n_classes = int(wrapped(dummy).shape[-1])
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    # The TorchScript exporter: dynamic_axes marks the batch dimension, and
    # it needs neither onnxscript nor a torch.export-able model.
    with warnings.catch_warnings():
        # chosen on purpose, see above; torch warns that it is the legacy one
        warnings.filterwarnings(
            'ignore',
            message='You are using the legacy',
            category=DeprecationWarning)
        torch.onnx.export(
            wrapped, (dummy, ),
            out,
            dynamo=False,
            opset_version=opset,
            input_names=['input'],
            output_names=[output],
            dynamic_axes={
                'input': {
                    0: 'batch'
                },
                output: {
                    0: 'batch'
                }
            },
            do_constant_folding=True)
    info.update(
        output=output, shape=(h, w), num_classes=n_classes, opset=opset)
    _write_metadata(out, info)
    return info


def _write_metadata(path: str, info: Dict) -> bool:
    """Record output kind, classes and preprocessing in the ONNX file."""
    try:
        import onnx
    except ImportError:  # the export itself does not need onnx
        return False
    model = onnx.load(path)
    props = {
        'mmlkd.output': info['output'],
        'mmlkd.input_shape': json.dumps([3, *info['shape']]),
        'mmlkd.preprocessing': json.dumps(info['preprocessing']),
    }
    if info.get('classes'):
        props['mmlkd.classes'] = json.dumps(info['classes'])
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, path)
    return True


def verify(out: str,
           config: str,
           checkpoint: str,
           shape: Sequence[int],
           output: str,
           batches: Sequence[int] = (1, 3)) -> float:
    """Largest |onnxruntime - torch| over random inputs at each batch size."""
    import numpy as np
    import onnxruntime as ort
    model, _ = build_classifier(config, checkpoint)
    wrapped = ClassifierForExport(model, output).eval()
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    gen = torch.Generator().manual_seed(0)
    worst = 0.0
    for n in batches:
        x = torch.randn(n, 3, *shape, generator=gen)
        with torch.no_grad():
            ref = wrapped(x).numpy()
        got = session.run(None, {'input': x.numpy()})[0]
        worst = max(worst, float(np.abs(got - ref).max()))
    return worst


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a (student) classifier to ONNX with a dynamic '
        'batch axis')
    parser.add_argument('config', help='classifier or distillation config')
    parser.add_argument(
        'checkpoint',
        help='classifier, exported student or '
        'distillation checkpoint')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[224],
        help='input height and width (one value: square); '
        'default 224')
    parser.add_argument(
        '--opset',
        type=int,
        default=17,
        help='ONNX opset version (default 17)')
    parser.add_argument(
        '--output',
        choices=OUTPUTS,
        default='scores',
        help='scores: sigmoid probabilities (default); '
        'logits: the head output before the sigmoid')
    parser.add_argument(
        '--verify',
        action='store_true',
        help='compare onnxruntime with torch at batch 1 and '
        '3 (needs onnxruntime)')
    args = parser.parse_args(argv)
    if len(args.shape) not in (1, 2) or min(args.shape) < 1:
        parser.error('--shape takes one or two positive sizes (H [W])')
    return args


def main(argv=None) -> Dict:
    args = parse_args(argv)
    try:
        info = export(args.config, args.checkpoint, args.out, args.shape,
                      args.opset, args.output)
    except (ExportError, FileNotFoundError, KeyError, ValueError) as e:
        raise SystemExit(f'error: {e}')
    h, w = info['shape']
    what = 'student' if info['student'] else 'classifier'
    print(f'exported the {what} to {args.out}: input N x 3 x {h} x {w} '
          f'(N dynamic), output {info["output"]} N x {info["num_classes"]}, '
          f'opset {info["opset"]}')
    pre = info['preprocessing']
    print(f'input: (x - {pre["mean"]}) / {pre["std"]}, channels '
          f'{pre["channel_order"]}')
    if args.verify:
        diff = verify(args.out, args.config, args.checkpoint, (h, w),
                      info['output'])
        info['max_abs_diff'] = diff
        print(f'onnxruntime vs torch at batch 1 and 3: max |diff| = '
              f'{diff:.3g}')
    return info


if __name__ == '__main__':
    main()
