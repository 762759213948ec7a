"""tools/analysis_tools/print_recipe.py and the card tools/train.py logs."""
import importlib.util
import os
import socket
from itertools import takewhile

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmlkd_testing import ROOT, TINY_DEMO, run_tool

TOOL = os.path.join(ROOT, 'tools', 'analysis_tools', 'print_recipe.py')
L2D = 'configs/l2d/r101_to_r18_coco.py'


def _tool():
    spec = importlib.util.spec_from_file_location('print_recipe', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _card(argv) -> str:
    tool = _tool()
    return tool.recipe_card_text(tool.parse_args(argv))


def _rows(card: str) -> dict:
    """Card rows by label (continuation rows appended to the one above)."""
    rows, label = {}, None
    for line in card.splitlines()[1:]:
        key, value = line[:20].strip(), line[20:].strip()
        label = key or label
        rows.setdefault(label, []).append(value)
    return rows


def test_l2d_coco_card_is_the_same_recipe_at_1_2_and_8_gpus():
    cards = {g: _rows(_card([L2D, '--gpus', str(g)])) for g in (1, 2, 8)}
    for gpus, rows in cards.items():
        assert rows['batch'] == [
            f'global 64 = {gpus} x {64 // gpus} per '
            'process (from global_batch_size)'
        ]
        assert rows['train pipeline'][0] == (
            'LoadImagePIL -> PILResize(scale=(224, 224)) -> '
            'CutoutPIL(cutout_factor=0.5) -> RandAugmentPIL -> PackInputs')
        assert rows['distill losses'] == [
            'loss_mld: MLDLoss(loss_weight=0.15625)',
            "loss_led: LEDLoss(cd_weight=100, id_weight=1000, "
            "loss_weight=0.015625)"
        ]
        assert rows['lr after scaling'][0].startswith('0.0001 ')
        assert rows['epochs'] == ['80']
    same = {
        k: v
        for k, v in cards[1].items()
        if k not in ('world size', 'batch', 'BatchNorm')
    }
    for gpus in (2, 8):
        assert {k: v for k, v in cards[gpus].items() if k in same} == same


def test_print_recipe_command_line_and_its_errors():
    proc = run_tool([TOOL, L2D, '--gpus', '8'])
    assert 'global 64 = 8 x 8 per process' in proc.stdout
    assert "SyncBN ('torch')" in proc.stdout
    proc = run_tool([TOOL, L2D, '--gpus', '3'], check=False)
    assert proc.returncode != 0
    assert 'global_batch_size=64 does not divide into 3 processes' in \
        proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def mldecoder_teacher_ckpt(tmp_path) -> str:
    """The demo ML-Decoder teacher, untrained: the card needs no skill."""
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(f'{ROOT}/configs/demo/teacher_mldecoder.py')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def test_dist_train_logs_the_card_print_recipe_prints(mldecoder_teacher_ckpt,
                                                      tmp_path):
    config = 'configs/l2d/demo_l2d.py'
    options = [f'model.teacher_ckpt={mldecoder_teacher_ckpt}'] + TINY_DEMO
    # SyncBN on CPU processes: tools/train.py runs it as CPUSyncBatchNorm
    # (torch's needs GPU tensors) and the card says so.
    proc = run_tool(
        [
            'tools/dist_train.sh', config, '2', '--work-dir',
            str(tmp_path), '--cfg-options', 'sync_bn=torch'
        ] + options,
        env_extra={'PORT': str(_free_port())})
    log = proc.stdout + proc.stderr
    start = log.index('Recipe card of configs/l2d/demo_l2d.py')
    title, *rest = log[start:].splitlines()
    rows = _rows(
        '\n'.join([title] +
                  list(takewhile(lambda x: x.startswith('  '), rest))))
    assert rows['world size'] == ['2 process(es)']
    assert rows['batch'] == [
        'global 16 = 2 x 8 per process (from '
        'global_batch_size)'
    ]
    assert rows['iterations'] == ['3 per epoch, 3 in all']  # 48 images
    assert rows['BatchNorm'] == [
        "SyncBN ('CPUSyncBatchNorm'): statistics over the global batch"
    ]
    assert ("sync_bn='torch' on the CPU: BatchNorm statistics all-reduced "
            'over the 2 gloo processes') in rows['notes'][0]
    assert 'distill.loss_led' in log  # and it trained
    printed = _rows(_card([config, '--gpus', '2', '--cfg-options'] + options))
    for key in ('BatchNorm', 'notes'):
        rows.pop(key)
        printed.pop(key, None)
    assert rows == printed


def test_size_data_counts_the_iterations_of_a_dataset_on_disk(tmp_path):
    import math
    import sys
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'test_datasets'))
    import generated_layouts as gl
    from mmpretrain.registry import DATASETS
    root = gl.coco_root(tmp_path)
    options = [
        f'train_dataloader.dataset.data_root={root}', 'global_batch_size=2'
    ]
    without = _rows(_card([L2D, '--gpus', '2', '--cfg-options'] + options))
    assert without['iterations'] == [
        'per epoch: unknown until the dataset is loaded'
    ]
    rows = _rows(
        _card([L2D, '--gpus', '2', '--size-data', '--cfg-options'] + options))
    cfg = Config.fromfile(os.path.join(ROOT, L2D))
    cfg.train_dataloader.dataset.data_root = root
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        n = len(DATASETS.build(cfg.train_dataloader.dataset))
    per_epoch = math.ceil(n / 2)  # 2 processes x 1 image
    assert n > 2
    assert rows['iterations'] == [
        f'{per_epoch} per epoch, '
        f'{80 * per_epoch} in all'
    ]
