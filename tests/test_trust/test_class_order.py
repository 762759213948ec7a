"""The class list is one fact: a checkpoint trained on one class order is
refused with a dataset in another, before a step is run or an image scored.

mmengine stores the training dataset's ``metainfo['classes']`` in every
checkpoint (``meta['dataset_meta']``); it was never compared, only the
class count. A teacher trained with COCO's id order and distilled on a list
file in the L2D authors' (alphabetical) order was accepted, and only its
logged mAP showed the labels were permuted.
"""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import DATASETS

from mmlkd.datasets.coco_multilabel import COCO_CATEGORIES
from mmlkd.datasets.demo_shapes import CLASSES
from mmlkd.utils import class_checks
from mmlkd.utils.checkpoint_loading import build_for_check
from mmlkd.utils.class_checks import (ClassOrderError,
                                      check_checkpoint_classes,
                                      config_dataset_classes)
from mmlkd_testing import ROOT, TINY_DEMO


def _tool(*parts):
    name = 'mmlkd_tool_' + '_'.join(p.replace('.py', '') for p in parts)
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', *parts))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


test_tool = _tool('test.py')
train_tool = _tool('train.py')

STUDENT = 'configs/demo/student_alone.py'
TEACHER = 'configs/demo/teacher.py'
MLD = 'configs/demo/mld.py'
# DemoShapes' classes in another order (colour-major instead of shape-major).
OTHER_ORDER = sorted(CLASSES)


def _cfg(path):
    return Config.fromfile(osp.join(ROOT, path))


def _save(model_cfg, path, classes, scope='mmpretrain'):
    model = build_for_check(model_cfg, scope)
    meta = {} if classes is None else {
        'dataset_meta': {
            'classes': tuple(classes)
        }
    }
    torch.save({'meta': meta, 'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(class_checks, '_warn',
                        lambda text: text and seen.append(text))
    return seen


def _coco_list(tmp_path, n=3):
    """A list file in the L2D authors' format (label indices)."""
    img_dir = tmp_path / 'img'
    img_dir.mkdir(exist_ok=True)
    entries = []
    for k in range(n):
        img = np.random.default_rng(k).integers(
            0, 255, (12, 16, 3), dtype=np.uint8)
        cv2.imwrite(str(img_dir / f'{k}.jpg'), img)
        entries.append(dict(file_name=f'{k}.jpg', labels=[k, k + 1]))
    ann = tmp_path / 'list.json'
    ann.write_text(json.dumps(entries))
    return str(ann), str(img_dir)


def test_id_order_teacher_with_alphabetical_dataset_is_refused(tmp_path):
    # The case: a teacher trained on COCO's id order, a list file in
    # the reference's alphabetical order.
    ann, img_dir = _coco_list(tmp_path)
    dataset = DATASETS.build(
        dict(
            type='CocoMultiLabel',
            ann_file=ann,
            data_prefix=img_dir,
            class_order='alphabetical'))
    teacher = tmp_path / 'teacher.pth'
    torch.save(
        {
            'meta': {
                'dataset_meta': {
                    'classes': COCO_CATEGORIES
                }
            },
            'state_dict': {}
        }, teacher)
    cfg = Config(dict(model=dict(teacher_ckpt=str(teacher))))
    with pytest.raises(ClassOrderError) as info:
        check_checkpoint_classes(cfg, [('train_dataloader.dataset', dataset)])
    msg = str(info.value)
    assert msg.startswith('model.teacher_ckpt: ') and 'teacher.pth' in msg
    assert 'the same names in another order' in msg
    # The first mismatches, index: checkpoint name vs dataset name.
    assert "0: 'person' vs 'airplane'" in msg
    assert "1: 'bicycle' vs 'apple'" in msg and '(and ' in msg
    # The fix: the checkpoint's order, by class_order or by the names.
    assert "train_dataloader.dataset.class_order='id'" in msg
    assert "train_dataloader.dataset.classes=['person', 'bicycle'" in msg
    # The same order passes.
    same = DATASETS.build(
        dict(
            type='CocoMultiLabel',
            ann_file=ann,
            data_prefix=img_dir,
            class_order='id'))
    check_checkpoint_classes(cfg, [('train_dataloader.dataset', same)])


def test_other_names_are_refused_and_name_the_three_fields(tmp_path):
    dataset = DATASETS.build(dict(type='DemoShapes', num_images=2))
    ckpt = tmp_path / 'x.pth'
    names = list(CLASSES)
    names[3] = 'purple_circle'
    torch.save({'meta': {'dataset_meta': {'classes': names}}}, ckpt)
    cfg = _cfg(MLD)
    cfg.model.teacher_ckpt = None
    cfg.load_from = str(ckpt)
    with pytest.raises(ClassOrderError) as info:
        check_checkpoint_classes(cfg, [('val_dataloader.dataset', dataset)])
    msg = str(info.value)
    assert msg.startswith('load_from: ') and 'other class names' in msg
    assert "3: 'purple_circle' vs 'yellow_circle'" in msg
    assert '(and ' not in msg  # one mismatch only
    # Preprocessor, student head and teacher head must describe the list.
    for field in ('model.teacher.head.num_classes',
                  'model.architecture.head.num_classes',
                  'data_preprocessor.num_classes'):
        assert field in msg


def test_checkpoint_without_classes_warns(tmp_path, warnings):
    dataset = DATASETS.build(dict(type='DemoShapes', num_images=2))
    ckpt = tmp_path / 'old.pth'
    torch.save({'meta': {}, 'state_dict': {}}, ckpt)
    cfg = Config(dict(model=dict(), load_from=str(ckpt), resume=True))
    check_checkpoint_classes(cfg, [('train_dataloader.dataset', dataset),
                                   ('val_dataloader.dataset', dataset)])
    assert len(warnings) == 1  # once per checkpoint, not per dataset
    assert warnings[0].startswith('--resume: ') and 'stores no class names' \
        in warnings[0] and 'old.pth' in warnings[0]


def test_config_declared_classes():
    assert config_dataset_classes(dict(type='DemoShapes')) == list(CLASSES)
    assert config_dataset_classes(dict(type='CocoMultiLabel',
                                       class_order='alphabetical')) == \
        sorted(COCO_CATEGORIES)
    assert config_dataset_classes(
        dict(type='CocoMultiLabel', classes=['b', 'a'])) == ['b', 'a']
    assert config_dataset_classes(dict(
        type='RepeatDataset', times=2,
        dataset=dict(type='DemoShapes', metainfo=dict(classes=['x'])))) == \
        ['x']
    # Stored in the annotation file: only known once loaded.
    assert config_dataset_classes(dict(type='MultiLabelDataset')) is None


# --- the tools, in-process ----------------------------------------------


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('class_order')
    mld = _cfg(MLD)
    return dict(
        teacher_other=_save(mld.model.teacher, tmp / 'teacher_other.pth',
                            OTHER_ORDER),
        student_other=_save(mld.model.architecture, tmp / 'student_other.pth',
                            OTHER_ORDER),
        student_same=_save(mld.model.architecture, tmp / 'student_same.pth',
                           CLASSES),
        student_none=_save(mld.model.architecture, tmp / 'student_none.pth',
                           None),
        distill_other=_save(mld.model, tmp / 'distill_other.pth', OTHER_ORDER,
                            'mmrazor'))


def test_train_refuses_a_teacher_of_another_order(ckpts, tmp_path):
    with pytest.raises(
            ClassOrderError,
            match=r"model.teacher_ckpt: .*teacher_other.pth.* "
            r"same names in another order.*0: 'blue_circle' vs "
            r"'red_circle'"):
        train_tool.main([
            MLD, '--work-dir',
            str(tmp_path), '--cfg-options',
            f'model.teacher_ckpt={ckpts["teacher_other"]}'
        ] + TINY_DEMO)
    assert not (tmp_path / 'epoch_1.pth').exists()


def test_train_refuses_load_from_and_resume_of_another_order(ckpts, tmp_path):
    with pytest.raises(ClassOrderError, match=r'^load_from: .*student_other'):
        train_tool.main([
            STUDENT, '--work-dir',
            str(tmp_path /
                'a'), '--cfg-options', f'load_from={ckpts["student_other"]}'
        ] + TINY_DEMO)
    with pytest.raises(ClassOrderError, match=r'^--resume: .*distill_other'):
        train_tool.main([
            MLD, '--work-dir',
            str(tmp_path / 'b'), '--resume', ckpts['distill_other'],
            '--random-teacher', '--cfg-options', 'model.teacher_ckpt=None'
        ] + TINY_DEMO)
    assert not (tmp_path / 'a' / 'epoch_1.pth').exists()


def test_test_tool_refuses_another_order_and_passes_the_same(
        ckpts, tmp_path, warnings):

    def run(ckpt):
        return test_tool.main(
            [STUDENT, ckpt, '--work-dir',
             str(tmp_path), '--cfg-options'] + TINY_DEMO)

    with pytest.raises(
            ClassOrderError,
            match=r'^tools/test.py CHECKPOINT: .*student_other.*'
            r'test_dataloader.dataset \(DemoShapes'):
        run(ckpts['student_other'])
    metrics = run(ckpts['student_same'])
    assert 'multi-label/mAP' in metrics and not warnings
    run(ckpts['student_none'])  # no stored classes: a warning, not an error
    assert len(warnings) == 1 and 'student_none.pth' in warnings[0]


def test_inference_refuses_another_order(ckpts, tmp_path, warnings):
    inference = _tool('inference.py')
    img = str(tmp_path / 'x.png')
    cv2.imwrite(img, np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(
            ClassOrderError,
            match=r'^tools/inference.py CHECKPOINT: .*student_'
            r"other.*test_dataloader.dataset.*0: 'blue_circle' "
            r"vs 'red_circle'"):
        inference.main([STUDENT, ckpts['student_other'], img])
    assert len(inference.main([STUDENT, ckpts['student_same'], img])) == 1
    assert not warnings
    inference.main([STUDENT, ckpts['student_none'], img])
    assert len(warnings) == 1 and 'stores no class names' in warnings[0]


def test_converted_student_keeps_the_classes(ckpts, tmp_path):
    convert = _tool('model_converters', 'convert_kd_ckpt_to_student.py')
    dst = tmp_path / 'student.pth'
    convert.convert(ckpts['distill_other'], str(dst))
    assert class_checks.checkpoint_classes(str(dst), 'x') == OTHER_ORDER
