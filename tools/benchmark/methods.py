"""The method table of every tool, read from ``model-index.yml``.

Each metafile that ``model-index.yml`` imports (mmrazor's schema) lists a
method's configs: ``Name`` (the config's path under ``configs/`` without
``.py``), ``Config``, and the teacher and the student trained alone as
records with their ``Config``. Config paths, teachers and student-alone
baselines come from there. What the metafiles do not hold is written here,
keyed by metafile ``Name``: the tools' short keys ('mld'), display labels,
and which table a method belongs to (the quality benchmark's default list
or its extras, the configs ``distill_overhead.py`` and ``gpu_check.py``
time, the README demo's selection).

Teachers and baselines are keyed by their config's file name without
``.py`` ('teacher', 'student_alone').
"""
import os.path as osp
from typing import Dict, Iterable, NamedTuple, Tuple

import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_models(root: str = ROOT) -> Dict[str, dict]:
    """Every model record of the metafiles, by ``Name``."""
    with open(osp.join(root, 'model-index.yml')) as f:
        metafiles = yaml.safe_load(f)['Import']
    models = {}
    for metafile in metafiles:
        with open(osp.join(root, metafile)) as f:
            for model in yaml.safe_load(f)['Models']:
                models[model['Name']] = model
    return models


MODELS = load_models()


class Method(NamedTuple):
    config: str
    label: str
    baseline: str  # key of BASELINES
    teacher: str  # key of TEACHERS


def config(name: str) -> str:
    """The config of metafile model ``name``."""
    return MODELS[name]['Config']


def role_config(name: str, role: str) -> str:
    """The config that trains model ``name``'s Teacher or Student alone."""
    return MODELS[name]['Metadata'][role]['Config']


def role_key(path: str) -> str:
    """'configs/demo/teacher.py' -> 'teacher'."""
    return osp.splitext(osp.basename(path))[0]


def method(name: str, label: str) -> Method:
    return Method(
        config(name), label, role_key(role_config(name, 'Student')),
        role_key(role_config(name, 'Teacher')))


# ------------------------------------------------ quality.py, weight_sweep.py
# key: (metafile Name, label); the default list, in report order.
_QUALITY = {
    'l2d': ('l2d/demo_l2d', 'L2D (MLD + LED)'),
    'l2d_mld_only':
    ('l2d/demo_l2d_mld_only', 'L2D ablation: MLD only (ML-Decoder)'),
    'mld': ('demo/mld', 'MLD only'),
    'cams_kd': ('cams_kd/demo_cams_kd', 'CAM-KD'),
    'clkd': ('clkd/demo_clkd', 'CLKD'),
    'stkd': ('stkd/demo_stkd', 'STKD'),
    'kd': ('kd/demo_kd', 'vanilla KD'),
    'binary_kd': ('binary_kd/demo_binary_kd', 'binary KD'),
    'partial_softmax':
    ('partial_softmax/demo_partial_softmax', 'partial softmax'),
    'fitnet': ('fitnet/demo_fitnet', 'FitNet'),
    'pkt': ('pkt/demo_pkt', 'PKT'),
}
# Not in the default list; may be asked for by name.
_QUALITY_EXTRA = {
    # mmlkd's extension of L2D to linear heads, not a paper's method.
    'l2d_linear': ('l2d/demo_l2d_linear', 'L2D on linear heads (MLD + LED)'),
    'l2d_led_only':
    ('l2d/demo_l2d_led_only', 'L2D ablation: LED only (ML-Decoder)'),
    'l2d_cd_only':
    ('l2d/demo_l2d_cd_only', 'L2D ablation: CD only (ML-Decoder)'),
    'l2d_id_only':
    ('l2d/demo_l2d_id_only', 'L2D ablation: ID only (ML-Decoder)'),
    'stkd_teacher_target':
    ('stkd/demo_stkd_teacher_target', 'STKD, teacher-target variant'),
    'cams_mld': ('cams_kd/demo_cams_mld', 'CAM-KD + MLD'),
    'at': ('at/demo_at', 'AT'),
    'rkd': ('rkd/demo_rkd', 'RKD'),
}
# Teacher / baseline key: label, in report order.
_TEACHER_LABELS = {
    'teacher': 'teacher (linear head)',
    'teacher_mldecoder': 'teacher (ML-Decoder)',
}
_BASELINE_LABELS = {
    'student_alone': 'student alone (linear head)',
    'student_mldecoder': 'student alone (ML-Decoder)',
}

METHODS = {key: method(*entry) for key, entry in _QUALITY.items()}
EXTRA_METHODS = {key: method(*entry) for key, entry in _QUALITY_EXTRA.items()}
ALL_METHODS = {**METHODS, **EXTRA_METHODS}


def _roles(role: str, labels: Dict[str, str],
           names: Iterable[str]) -> Dict[str, Tuple[str, str]]:
    """key -> (config, label) of the Teachers or Students of ``names``."""
    configs = {
        role_key(role_config(n, role)): role_config(n, role)
        for n in names
    }
    return {key: (configs[key], label) for key, label in labels.items()}


_QUALITY_NAMES = [n for n, _ in (*_QUALITY.values(), *_QUALITY_EXTRA.values())]
TEACHERS = _roles('Teacher', _TEACHER_LABELS, _QUALITY_NAMES)
BASELINES = _roles('Student', _BASELINE_LABELS, _QUALITY_NAMES)

# ---------------------------------------------------- distill_overhead.py
# Demo configs timed by default, and those that may be asked for by name.
OVERHEAD_METHODS = {
    key: ALL_METHODS[key].config
    for key in ('mld', 'l2d', 'cams_kd', 'clkd', 'stkd', 'kd', 'binary_kd',
                'partial_softmax', 'fitnet', 'pkt')
}
OVERHEAD_EXTRA = {key: ALL_METHODS[key].config for key in ('at', 'rkd')}
# ResNet-101 -> ResNet-18 COCO configs timed by gpu_check.py: (Name, label).
_COCO = {
    'l2d': ('l2d/r101_to_r18_coco', 'L2D (MLD + LED)'),
    'mld': ('l2d/r101_to_r18_coco_mld_only', 'MLD'),
    'cams_kd': ('cams_kd/r101_to_r18_coco', 'CAM-KD'),
    'clkd': ('clkd/r101_to_r18_coco', 'CLKD'),
    'kd': ('kd/r101_to_r18_coco', 'vanilla KD'),
}
COCO_METHODS = {key: config(name) for key, (name, _) in _COCO.items()}
COCO_LABELS = {key: label for key, (_, label) in _COCO.items()}

# ------------------------------------------------------------- tools/demo.py
# key: (metafile Name, row label); all run by default.
_DEMO = {
    'cams_kd': ('cams_kd/demo_cams_kd', 'distilled: CAM-KD'),
    'mld': ('demo/mld', 'distilled: MLD (L2D logits)'),
}
DEMO_METHODS = {
    key: (config(name), label)
    for key, (name, label) in _DEMO.items()
}
# The teacher and the student alone the demo's methods share.
DEMO_RUNS = {
    role_key(path): (path, label)
    for role, label in (('Teacher', 'teacher'), ('Student',
                                                 'student trained alone'))
    for path in {role_config(name, role)
                 for name, _ in _DEMO.values()}
}
assert len(DEMO_RUNS) == 2, 'the demo methods must share teacher and student'
