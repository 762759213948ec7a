"""Dataset and model agree, and bad data is found before training, named."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

from mmlkd.utils.config_checks import ConfigError
from mmlkd.utils.data_checks import (check_dataset_classes, find_bad_images,
                                     report_bad_images)
from mmlkd_testing import ROOT, TINY_DEMO, run_tool

FOUR = ['person', 'bicycle', 'dog', 'bottle']


def _image(path, seed=0):
    img = np.random.default_rng(seed).integers(
        0, 255, (12, 16, 3), dtype=np.uint8)
    cv2.imwrite(str(path), img)


def _coco_list(tmp_path, entries, images=None):
    """A CocoMultiLabel list file; ``images`` maps file name -> bytes|None."""
    img_dir = tmp_path / 'img'
    img_dir.mkdir(exist_ok=True)
    for k, e in enumerate(entries):
        content = (images or {}).get(e['file_name'])
        if content is None:
            _image(img_dir / e['file_name'], k)
        else:
            (img_dir / e['file_name']).write_bytes(content)
    ann = tmp_path / 'list.json'
    ann.write_text(json.dumps(entries))
    return ann, img_dir


def test_dataset_with_other_class_count_is_named_before_training(tmp_path):
    # 4 dataset classes, 16-class model: trained silently before.
    proc = run_tool(
        [
            'tools/train.py', 'configs/demo/student_alone.py', '--work-dir',
            str(tmp_path), '--cfg-options'
        ] + TINY_DEMO +
        ['train_dataloader.dataset.metainfo.classes=' + ','.join(FOUR)],
        check=False)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert 'train_dataloader.dataset' in last and 'has 4 classes' in last \
        and 'model.head.num_classes=16' in last, last
    # The fix names the concrete fields, not a generic "num_classes".
    assert 'set model.head.num_classes, data_preprocessor.num_classes to 4' \
        in last and 'train_dataloader.dataset.classes=[...]' in last, last
    assert not (tmp_path / 'epoch_1.pth').exists()


def test_list_file_with_labels_beyond_the_model_names_file_and_image(tmp_path):
    # Valid for the 80 COCO classes, but the model has 4.
    ann, img_dir = _coco_list(tmp_path, [
        dict(file_name='a.jpg', labels=[0, 2]),
        dict(file_name='b.jpg', labels=[1, 57]),
    ])
    ds = DATASETS.build(
        dict(
            type='CocoMultiLabel', ann_file=str(ann),
            data_prefix=str(img_dir)))
    with pytest.raises(
            ConfigError,
            match=r'train_dataloader.dataset: CocoMultiLabel '
            r'\(ann_file .*list.json\) has 80 classes but the '
            r'model predicts 4 \(model.head.num_classes=4\).*'
            r'entry 1 \(.*b.jpg\) has label 57'):
        check_dataset_classes(ds, 'train_dataloader.dataset',
                              {'model.head.num_classes': 4})
    check_dataset_classes(ds, 'x', {'model.head.num_classes': 80})


def test_labels_beyond_the_model_without_class_names(tmp_path):
    # A dataset that states no classes: the labels alone are checked.
    ann = tmp_path / 'ann.json'
    ann.write_text(
        json.dumps(
            dict(
                metainfo={},
                data_list=[
                    dict(img_path='x.jpg', gt_label=[0]),
                    dict(img_path='y.jpg', gt_label=[3, 9]),
                ])))
    ds = DATASETS.build(dict(type='MultiLabelDataset', ann_file=str(ann)))
    with pytest.raises(ConfigError, match=r'entry 1 \(y.jpg\) has label 9'):
        check_dataset_classes(ds, 'val_dataloader.dataset',
                              {'model.head.num_classes': 4})


def test_check_data_names_every_bad_image(tmp_path):
    entries = [
        dict(file_name=f'{n}.jpg', labels=['dog'])
        for n in ('good', 'junk', 'text', 'good2')
    ]
    ann, img_dir = _coco_list(
        tmp_path,
        entries,
        images={
            'junk.jpg': os.urandom(300),
            'text.jpg': b'not an image'
        })
    ds = DATASETS.build(
        dict(
            type='CocoMultiLabel', ann_file=str(ann),
            data_prefix=str(img_dir)))
    assert find_bad_images(ds, read=False) == []  # stat only: all present
    bad = find_bad_images(ds, read=True)
    assert sorted(os.path.basename(p)
                  for p, _ in bad) == ['junk.jpg', 'text.jpg']
    with pytest.raises(
            ConfigError, match=r'(?s)2 bad images.*junk.jpg.*'
            r'\n.*text.jpg'):
        report_bad_images(bad, 'train_dataloader.dataset', ds,
                          str(tmp_path / 'work'))
    listed = (tmp_path / 'work' /
              'bad_images_train_dataloader.dataset.txt').read_text()
    assert 'junk.jpg' in listed and 'text.jpg' in listed


def test_zero_byte_images_are_named_at_load(tmp_path):
    entries = [
        dict(file_name=f'{n}.jpg', labels=['dog'])
        for n in ('good', 'empty1', 'empty2')
    ]
    ann, img_dir = _coco_list(
        tmp_path, entries, images={
            'empty1.jpg': b'',
            'empty2.jpg': b''
        })
    with pytest.raises(
            ValueError,
            match=r'2 of the images .* zero-byte.*empty1.jpg.*'
            r'empty2.jpg'):
        DATASETS.build(
            dict(
                type='CocoMultiLabel',
                ann_file=str(ann),
                data_prefix=str(img_dir)))
    # Without the load-time check, the pre-training stat names them too.
    ds = DATASETS.build(
        dict(
            type='CocoMultiLabel',
            ann_file=str(ann),
            data_prefix=str(img_dir),
            check_files=False))
    bad = find_bad_images(ds)
    assert sorted(os.path.basename(p)
                  for p, _ in bad) == ['empty1.jpg', 'empty2.jpg']
    assert all(problem == 'zero-byte file' for _, problem in bad)


def test_empty_datasets_are_named(tmp_path):
    with pytest.raises(ValueError, match=r'DemoShapes \(train\): num_images'):
        DATASETS.build(dict(type='DemoShapes', num_images=0))
    ann, img_dir = _coco_list(tmp_path, [dict(file_name='a.jpg', labels=[])])
    with pytest.raises(
            ValueError,
            match=r'list.json yields no images \(1 '
            r'images, all without labels dropped'):
        DATASETS.build(
            dict(
                type='CocoMultiLabel',
                ann_file=str(ann),
                data_prefix=str(img_dir)))


def test_train_check_data_option_reads_every_image(tmp_path):
    entries = [
        dict(file_name=f'{n}.jpg', labels=['dog', 'person'])
        for n in ('good', 'junk1', 'junk2', 'good2')
    ]
    ann, img_dir = _coco_list(
        tmp_path,
        entries,
        images={
            'junk1.jpg': os.urandom(300),
            'junk2.jpg': os.urandom(200)
        })
    cfg = tmp_path / 'coco_list_student.py'
    cfg.write_text(
        f"_base_ = ['{ROOT}/configs/demo/student_alone.py']\n"
        "global_batch_size = None  # the per-process batch below\n"
        "train_dataloader = dict(batch_size=2, dataset=dict(\n"
        "    _delete_=True, type='CocoMultiLabel',\n"
        f"    ann_file='{ann}', data_prefix='{img_dir}', classes={FOUR!r},\n"
        "    pipeline=[dict(type='LoadImageFromFile'),\n"
        "              dict(type='Resize', scale=(32, 32)),\n"
        "              dict(type='PackInputs')]))\n"
        "model = dict(head=dict(num_classes=4))\n"
        "data_preprocessor = dict(num_classes=4)\n"
        "val_cfg = None\nval_dataloader = None\nval_evaluator = None\n"
        "train_cfg = dict(max_epochs=1)\n")
    proc = run_tool([
        'tools/train.py',
        str(cfg), '--check-data', '--work-dir',
        str(tmp_path / 'w')
    ],
                    check=False)
    assert proc.returncode != 0
    err = proc.stderr
    assert '2 bad images' in err and 'junk1.jpg' in err and 'junk2.jpg' in err
    assert not (tmp_path / 'w' / 'epoch_1.pth').exists()
    # The good images alone train: the option itself is no obstacle.
    (img_dir / 'junk1.jpg').write_bytes((img_dir / 'good.jpg').read_bytes())
    (img_dir / 'junk2.jpg').write_bytes((img_dir / 'good.jpg').read_bytes())
    run_tool([
        'tools/train.py',
        str(cfg), '--check-data', '--work-dir',
        str(tmp_path / 'w')
    ])
    assert (tmp_path / 'w' / 'epoch_1.pth').exists()


def _layouts():
    sys.path.insert(0, osp.join(ROOT, 'tests', 'test_datasets'))
    import generated_layouts
    return generated_layouts


@pytest.mark.parametrize('name,classes', [('DemoShapes', 16), ('VOC', 20),
                                          ('NUSWIDE', 3),
                                          ('CocoMultiLabel', 4)])
def test_every_dataset_states_its_class_count(tmp_path, name, classes):
    gl = _layouts()
    cfgs = dict(
        DemoShapes=dict(type='DemoShapes', num_images=4),
        VOC=dict(
            type='VOC', data_root=str(gl.voc_root(tmp_path)),
            split='trainval'),
        NUSWIDE=dict(type='NUSWIDE', data_root=str(gl.nus_root(tmp_path))),
        CocoMultiLabel=dict(
            type='CocoMultiLabel',
            data_root=str(gl.coco_root(tmp_path)),
            ann_file='annotations/instances_val2014.json',
            data_prefix=dict(img_path='val2014/')))
    ds = DATASETS.build(cfgs[name])
    check_dataset_classes(ds, 'f', {'model.head.num_classes': classes})
    with pytest.raises(
            ConfigError,
            match=rf'f: {name} .*has {classes} '
            rf'classes but the model predicts {classes + 1} '
            rf'\(model.head.num_classes={classes + 1}\)'):
        check_dataset_classes(ds, 'f', {'model.head.num_classes': classes + 1})


def test_an_empty_dataset_of_any_type_is_named():
    from mmengine.config import Config

    from mmlkd.utils.data_checks import check_data

    class Runner:  # builds its train loop as mmengine does: numpy fails
        cfg = Config(
            dict(
                train_dataloader=dict(
                    dataset=dict(
                        type='MultiLabelDataset', ann_file='empty.json'))))

        @property
        def train_loop(self):
            import numpy
            numpy.concatenate([])

    with pytest.raises(
            ConfigError,
            match=r"train_dataloader.dataset is "
            r"empty: .*'MultiLabelDataset'.*empty.json"):
        check_data(Runner(), ('train', ))


def test_check_data_warns_of_very_large_images(tmp_path, monkeypatch):
    from mmengine.logging import MMLogger

    import mmlkd.utils.data_checks as data_checks

    # 12 x 16 images stand in for 12000 x 12000 ones: the rule is a count.
    monkeypatch.setattr(data_checks, 'LARGE_IMAGE_PIXELS', 150)
    entries = [dict(file_name='big.jpg', labels=['dog'])]
    ann, img_dir = _coco_list(tmp_path, entries)
    ds = DATASETS.build(
        dict(
            type='CocoMultiLabel', ann_file=str(ann),
            data_prefix=str(img_dir)))
    seen = []
    logger = MMLogger.get_current_instance()
    monkeypatch.setattr(logger, 'log',
                        lambda level, msg, *a, **k: seen.append(msg))
    assert find_bad_images(ds, read=True) == []  # a warning, not an error
    assert any('big.jpg (16x12)' in m and 'preresize_images.py' in m
               for m in seen), seen
