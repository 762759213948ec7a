"""tools/benchmark/methods.py: the one method table, read from the
metafiles, gives every tool the table it wrote out before (copied here as
the expected values)."""
import os
import sys

import pytest

from mmlkd_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))
import methods  # noqa: E402
from methods import Method  # noqa: E402

# tools/benchmark/quality.py, before the table moved.
TEACHERS = {
    'teacher': ('configs/demo/teacher.py', 'teacher (linear head)'),
    'teacher_mldecoder':
    ('configs/demo/teacher_mldecoder.py', 'teacher (ML-Decoder)'),
}
BASELINES = {
    'student_alone':
    ('configs/demo/student_alone.py', 'student alone (linear head)'),
    'student_mldecoder':
    ('configs/demo/student_mldecoder.py', 'student alone (ML-Decoder)'),
}
METHODS = {
    'l2d':
    Method('configs/l2d/demo_l2d.py', 'L2D (MLD + LED)', 'student_mldecoder',
           'teacher_mldecoder'),
    'l2d_mld_only':
    Method('configs/l2d/demo_l2d_mld_only.py',
           'L2D ablation: MLD only (ML-Decoder)', 'student_mldecoder',
           'teacher_mldecoder'),
    'mld':
    Method('configs/demo/mld.py', 'MLD only', 'student_alone', 'teacher'),
    'cams_kd':
    Method('configs/cams_kd/demo_cams_kd.py', 'CAM-KD', 'student_alone',
           'teacher'),
    'clkd':
    Method('configs/clkd/demo_clkd.py', 'CLKD', 'student_alone', 'teacher'),
    'stkd':
    Method('configs/stkd/demo_stkd.py', 'STKD', 'student_alone', 'teacher'),
    'kd':
    Method('configs/kd/demo_kd.py', 'vanilla KD', 'student_alone', 'teacher'),
    'binary_kd':
    Method('configs/binary_kd/demo_binary_kd.py', 'binary KD', 'student_alone',
           'teacher'),
    'partial_softmax':
    Method('configs/partial_softmax/demo_partial_softmax.py',
           'partial softmax', 'student_alone', 'teacher'),
    'fitnet':
    Method('configs/fitnet/demo_fitnet.py', 'FitNet', 'student_alone',
           'teacher'),
    'pkt':
    Method('configs/pkt/demo_pkt.py', 'PKT', 'student_alone', 'teacher'),
}
EXTRA_METHODS = {
    'l2d_linear':
    Method('configs/l2d/demo_l2d_linear.py', 'L2D on linear heads (MLD + LED)',
           'student_alone', 'teacher'),
    'l2d_led_only':
    Method('configs/l2d/demo_l2d_led_only.py',
           'L2D ablation: LED only (ML-Decoder)', 'student_mldecoder',
           'teacher_mldecoder'),
    'l2d_cd_only':
    Method('configs/l2d/demo_l2d_cd_only.py',
           'L2D ablation: CD only (ML-Decoder)', 'student_mldecoder',
           'teacher_mldecoder'),
    'l2d_id_only':
    Method('configs/l2d/demo_l2d_id_only.py',
           'L2D ablation: ID only (ML-Decoder)', 'student_mldecoder',
           'teacher_mldecoder'),
    'stkd_teacher_target':
    Method('configs/stkd/demo_stkd_teacher_target.py',
           'STKD, teacher-target variant', 'student_alone', 'teacher'),
    'cams_mld':
    Method('configs/cams_kd/demo_cams_mld.py', 'CAM-KD + MLD', 'student_alone',
           'teacher'),
    'at':
    Method('configs/at/demo_at.py', 'AT', 'student_alone', 'teacher'),
    'rkd':
    Method('configs/rkd/demo_rkd.py', 'RKD', 'student_alone', 'teacher'),
}
# tools/benchmark/distill_overhead.py.
OVERHEAD_METHODS = {
    'mld': 'configs/demo/mld.py',
    'l2d': 'configs/l2d/demo_l2d.py',
    'cams_kd': 'configs/cams_kd/demo_cams_kd.py',
    'clkd': 'configs/clkd/demo_clkd.py',
    'stkd': 'configs/stkd/demo_stkd.py',
    'kd': 'configs/kd/demo_kd.py',
    'binary_kd': 'configs/binary_kd/demo_binary_kd.py',
    'partial_softmax': 'configs/partial_softmax/demo_partial_softmax.py',
    'fitnet': 'configs/fitnet/demo_fitnet.py',
    'pkt': 'configs/pkt/demo_pkt.py',
}
OVERHEAD_EXTRA = {
    'at': 'configs/at/demo_at.py',
    'rkd': 'configs/rkd/demo_rkd.py',
}
COCO_CONFIG = 'configs/l2d/r101_to_r18_coco.py'
COCO_METHODS = {
    'l2d': COCO_CONFIG,
    'mld': 'configs/l2d/r101_to_r18_coco_mld_only.py',
    'cams_kd': 'configs/cams_kd/r101_to_r18_coco.py',
    'clkd': 'configs/clkd/r101_to_r18_coco.py',
    'kd': 'configs/kd/r101_to_r18_coco.py',
}
# tools/benchmark/gpu_check.py.
COCO_LABELS = dict(
    l2d='L2D (MLD + LED)',
    mld='MLD',
    cams_kd='CAM-KD',
    clkd='CLKD',
    kd='vanilla KD')
# tools/demo.py.
DEMO_METHODS = {
    'cams_kd': ('configs/cams_kd/demo_cams_kd.py', 'distilled: CAM-KD'),
    'mld': ('configs/demo/mld.py', 'distilled: MLD (L2D logits)'),
}
DEMO_RUNS = {
    'teacher': ('configs/demo/teacher.py', 'teacher'),
    'student_alone': ('configs/demo/student_alone.py', 'student trained alone')
}


@pytest.mark.parametrize('name', [
    'TEACHERS', 'BASELINES', 'METHODS', 'EXTRA_METHODS', 'OVERHEAD_METHODS',
    'OVERHEAD_EXTRA', 'COCO_METHODS', 'COCO_LABELS', 'DEMO_METHODS',
    'DEMO_RUNS'
])
def test_derived_table_equals_the_old_literal(name):
    derived, expected = getattr(methods, name), globals()[name]
    # Order too: it is the tools' default order and report order.
    assert list(derived.items()) == list(expected.items())


def test_tools_read_the_one_table():
    import distill_overhead
    import gpu_check
    import publish_results
    import quality
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    import demo
    assert quality.METHODS is methods.METHODS
    assert quality.ALL_METHODS == {**METHODS, **EXTRA_METHODS}
    assert quality.TEACHERS is methods.TEACHERS
    assert quality.BASELINES is methods.BASELINES
    assert publish_results.ALL_METHODS is methods.ALL_METHODS
    assert distill_overhead.METHODS == OVERHEAD_METHODS
    assert distill_overhead.EXTRA == OVERHEAD_EXTRA
    assert distill_overhead.COCO_METHODS == COCO_METHODS
    assert distill_overhead.COCO_CONFIG == COCO_CONFIG
    assert gpu_check.LABELS == COCO_LABELS
    assert demo.METHODS == DEMO_METHODS


def test_every_config_exists():
    paths = [m.config for m in methods.ALL_METHODS.values()]
    paths += [c for c, _ in methods.TEACHERS.values()]
    paths += [c for c, _ in methods.BASELINES.values()]
    paths += list(methods.OVERHEAD_METHODS.values())
    paths += list(methods.OVERHEAD_EXTRA.values())
    paths += list(methods.COCO_METHODS.values())
    paths += [c for c, _ in methods.DEMO_METHODS.values()]
    paths += [c for c, _ in methods.DEMO_RUNS.values()]
    for path in paths:
        assert os.path.isfile(os.path.join(ROOT, path)), path


def test_every_method_is_a_metafile_model():
    """Names and configs agree with the metafiles (Name = config path)."""
    for model in methods.MODELS.values():
        assert model['Config'] == f'configs/{model["Name"]}.py'
    configs = {m['Config'] for m in methods.MODELS.values()}
    for m in methods.ALL_METHODS.values():
        assert m.config in configs
    assert set(methods.COCO_METHODS.values()) <= configs
