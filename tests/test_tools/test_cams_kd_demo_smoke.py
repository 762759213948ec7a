"""CPU smoke run of CAM (+ MLD) distillation on the demo data, then its
CAMs."""
import importlib.util
import os.path as osp
import re

import matplotlib.image as mpimg

from mmlkd_testing import ROOT, TINY_DEMO, run_tool


def test_demo_cams_mld_trains_and_draws(tiny_teacher_ckpt, tmp_path):
    work = tmp_path / 'cams'
    proc = run_tool([
        'tools/train.py', 'configs/cams_kd/demo_cams_mld.py', '--work-dir',
        str(work), '--cfg-options', f'model.teacher_ckpt={tiny_teacher_ckpt}'
    ] + TINY_DEMO)
    log = proc.stdout + proc.stderr
    cam = [float(v) for v in re.findall(r'distill\.loss_cam: ([0-9.]+)', log)]
    assert cam and all(v > 0 for v in cam), log[-2000:]
    assert 'distill.loss_mld' in log

    out = tmp_path / 'cams.png'
    # In-process (saves an interpreter start): the trained checkpoint loads
    # into both sub-models and the CAMs are drawn.
    spec = importlib.util.spec_from_file_location(
        'compare_cams',
        osp.join(ROOT, 'tools', 'visualization', 'compare_cams.py'))
    compare_cams = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare_cams)
    compare_cams.main([
        '--distill',
        osp.join(ROOT, 'configs', 'cams_kd', 'demo_cams_mld.py'),
        str(work / 'epoch_1.pth'), '--demo', '3', '--out',
        str(out)
    ])
    picture = mpimg.imread(str(out))
    assert picture.ndim == 3 and picture.shape[0] > 300  # three rows
