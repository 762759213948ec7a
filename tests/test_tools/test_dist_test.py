"""``bash tools/dist_test.sh CONFIG CKPT 2`` on the CPU: two gloo processes
score what one process scores.

Every schedule base sets ``sync_bn``; mmengine converted the model to
``torch.nn.SyncBatchNorm`` for any distributed run, which refuses CPU
tensors, so the script failed for every config ("SyncBatchNorm layers only
work with GPU modules").
"""
import importlib.util
import os.path as osp
import re
import socket

import torch
from mmengine.config import Config

from mmlkd.datasets.demo_shapes import CLASSES
from mmlkd.utils.checkpoint_loading import build_for_check
from mmlkd_testing import ROOT, run_tool

MLD = 'configs/demo/mld.py'  # sync_bn='torch' from the demo schedule
DATA = [
    'test_dataloader.dataset.num_images=32', 'test_dataloader.batch_size=16'
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _test_tool():
    spec = importlib.util.spec_from_file_location(
        'mmlkd_tool_test_dist', osp.join(ROOT, 'tools', 'test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_gloo_processes_give_the_metrics_of_one(tmp_path):
    cfg = Config.fromfile(osp.join(ROOT, MLD))
    assert cfg.get('sync_bn') == 'torch'
    torch.manual_seed(0)
    model = build_for_check(cfg.model, 'mmrazor')
    with torch.no_grad():  # spread the scores: random BN statistics
        for name, buf in model.named_buffers():
            if name.endswith('running_mean'):
                buf.normal_(0, 0.5)
    ckpt = str(tmp_path / 'distill.pth')
    torch.save(
        {
            'meta': {
                'dataset_meta': {
                    'classes': CLASSES
                }
            },
            'state_dict': model.state_dict()
        }, ckpt)

    one = _test_tool().main(
        [MLD, ckpt, '--work-dir',
         str(tmp_path / 'one'), '--cfg-options'] + DATA)
    proc = run_tool(
        [
            'tools/dist_test.sh', MLD, ckpt, '2', '--work-dir',
            str(tmp_path / 'two'), '--cfg-options'
        ] + DATA,
        env_extra=dict(PORT=str(_free_port())))
    line = [
        ln for ln in (proc.stdout + proc.stderr).splitlines()
        if 'Epoch(test)' in ln
    ]
    assert len(line) == 1, proc.stdout[-2000:]
    two = dict(re.findall(r'(multi-label/\S+): (-?[\d.]+)', line[0]))
    assert set(two) == set(one)
    for key, value in one.items():
        # The log prints 4 decimals.
        assert abs(float(two[key]) - float(value)) <= 1e-4, key
    assert 0 < one['multi-label/mAP'] < 100
