"""CocoMultiLabel on generated official-format and list-format files."""
import json

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpretrain.models import ClsDataPreprocessor

from mmlkd.datasets import COCO_CATEGORIES, CocoMultiLabel

PIPE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(8, 8)),
    dict(type='PackInputs')
]


def build(root, ann='annotations/instances_val2014.json', **kw):
    return CocoMultiLabel(
        ann_file=ann,
        data_root=str(root),
        data_prefix=dict(img_path='val2014/'),
        **kw)


def test_official_format_id_order(coco_root):
    ds = build(coco_root, pipeline=PIPE)
    # classes from the file, in category-id order
    assert ds.CLASSES == ('person', 'bicycle', 'dog', 'bottle')
    assert len(ds) == 3  # image 4 has no annotation: dropped
    assert [ds.get_cat_ids(i) for i in range(3)] == [[0, 2], [3], [1, 2]]
    assert ds.get_data_info(0)['img_path'].endswith(
        'val2014/COCO_val2014_000000000001.jpg')
    # through PackInputs and the multi-hot data preprocessor
    batch = pseudo_collate([ds[0], ds[2]])
    out = ClsDataPreprocessor(num_classes=4, to_onehot=True)(batch)
    assert out['inputs'].shape == (2, 3, 8, 8)
    scores = torch.stack([s.gt_score for s in out['data_samples']])
    assert scores.tolist() == [[1, 0, 1, 0], [0, 1, 1, 0]]


def test_alphabetical_keep_empty_and_subset(coco_root):
    ds = build(coco_root, class_order='alphabetical', drop_empty=False)
    assert ds.CLASSES == ('bicycle', 'bottle', 'dog', 'person')
    assert [ds.get_cat_ids(i) for i in range(4)] == [[2, 3], [1], [0, 2], []]
    ds = build(coco_root, classes=['dog', 'person'])
    assert ds.CLASSES == ('dog', 'person')
    assert [ds.get_cat_ids(i) for i in range(len(ds))] == [[0, 1], [0]]
    with pytest.raises(ValueError, match=r"\['unicorn'\] are not categories"):
        build(coco_root, classes=['dog', 'unicorn'])


def test_list_format(coco_root):
    items = [
        dict(
            file_name='COCO_val2014_000000000001.jpg',
            labels=['dog', 'person']),
        dict(file_name='COCO_val2014_000000000002.jpg', labels=[0, 79]),
        dict(file_name='COCO_val2014_000000000004.jpg', labels=[]),
    ]
    (coco_root / 'list.json').write_text(json.dumps(items))
    ds = build(coco_root, ann='list.json')
    assert ds.CLASSES == COCO_CATEGORIES and len(ds.CLASSES) == 80
    assert [ds.get_cat_ids(i)
            for i in range(len(ds))] == [[0, COCO_CATEGORIES.index('dog')],
                                         [0, 79]]
    ds = build(coco_root, ann='list.json', class_order='alphabetical')
    assert ds.CLASSES[:3] == ('airplane', 'apple', 'backpack')
    assert ds.get_cat_ids(0) == sorted(
        [ds.CLASSES.index('dog'),
         ds.CLASSES.index('person')])


def test_bad_inputs_are_named(coco_root):
    with pytest.raises(FileNotFoundError, match='nope.json not found'):
        build(coco_root, ann='nope.json')
    (coco_root / 'bad.json').write_text('{"images": [')
    with pytest.raises(ValueError, match='bad.json is not valid JSON'):
        build(coco_root, ann='bad.json')
    (coco_root / 'l.json').write_text(
        json.dumps(
            [dict(file_name='COCO_val2014_000000000001.jpg', labels=[80])]))
    with pytest.raises(
            ValueError,
            match=r"000001.jpg' has label 80 out of "
            r'range \[0, 80\)'):
        build(coco_root, ann='l.json')
    (coco_root / 'l.json').write_text(
        json.dumps([
            dict(
                file_name='COCO_val2014_000000000001.jpg', labels=['unicorn'])
        ]))
    with pytest.raises(ValueError, match="label 'unicorn', not one of"):
        build(coco_root, ann='l.json')
    (coco_root / 'l.json').write_text(json.dumps([dict(file='x.jpg')]))
    with pytest.raises(ValueError, match='entry 0 must be a dict'):
        build(coco_root, ann='l.json')
    ann = json.loads(
        (coco_root / 'annotations/instances_val2014.json').read_text())
    ann['annotations'][1]['category_id'] = 99
    (coco_root / 'i.json').write_text(json.dumps(ann))
    with pytest.raises(ValueError, match='annotation 1 has category_id 99'):
        build(coco_root, ann='i.json')
    ann['annotations'][1]['category_id'] = 1
    ann['annotations'][2]['image_id'] = 77
    (coco_root / 'i.json').write_text(json.dumps(ann))
    with pytest.raises(ValueError, match='annotation 2 refers to image_id 77'):
        build(coco_root, ann='i.json')
    # a missing image fails when the dataset is built, naming the file
    (coco_root / 'val2014/COCO_val2014_000000000002.jpg').unlink()
    with pytest.raises(
            FileNotFoundError,
            match=r'1 of the 3 images .* missing.*000002.jpg'):
        build(coco_root)
    assert len(build(coco_root, check_files=False)) == 3
    with pytest.raises(ValueError, match='class_order'):
        build(coco_root, class_order='name')


def test_load_json_reads_through_mmengine_fileio(tmp_path, monkeypatch):
    import mmengine.fileio

    from mmlkd.datasets import utils
    path = tmp_path / 'a.json'
    path.write_text('{"x": [1, 2]}')
    calls = []
    real = mmengine.fileio.load
    monkeypatch.setattr(utils, 'mmengine_load',
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    assert utils.load_json(str(path), 'Who') == {'x': [1, 2]}
    assert calls == [(str(path), )]


def _write_list(root, items, name='list.json'):
    (root / name).write_text(json.dumps(items))
    return name


def test_list_format_classes_subset(coco_root):
    one, two = 'COCO_val2014_000000000001.jpg', 'COCO_val2014_000000000002.jpg'
    ann = _write_list(coco_root, [
        dict(file_name=one, labels=['dog', 'person', 'cat']),
        dict(file_name=two, labels=['cat']),
    ])
    ds = build(coco_root, ann=ann, classes=['person', 'dog'])
    assert ds.CLASSES == ('person', 'dog')
    # 'cat' is left out; image 2 has no label left and is dropped.
    assert [ds.get_cat_ids(i) for i in range(len(ds))] == [[0, 1]]
    # A class no image has is a misspelling, not an all-negative class.
    with pytest.raises(
            ValueError, match=r"classes \['dgo'\] never occur in .*list.json"):
        build(coco_root, ann=ann, classes=['person', 'dgo'])
    # Own classes, all used: accepted as they are.
    ds = build(coco_root, ann=ann, classes=['cat', 'dog', 'person'])
    assert [ds.get_cat_ids(i) for i in range(len(ds))] == [[0, 1, 2], [0]]


def test_list_format_refuses_duplicates_and_escaping_names(coco_root):
    one = 'COCO_val2014_000000000001.jpg'
    ann = _write_list(coco_root, [
        dict(file_name=one, labels=['dog']),
        dict(file_name='./' + one, labels=['dog'])
    ])
    with pytest.raises(
            ValueError,
            match=r'1 images are listed more than '
            r'once, e.g. .*000000000001'):
        build(coco_root, ann=ann)
    for bad in ('../../../../etc/passwd', '/etc/passwd'):
        ann = _write_list(coco_root, [dict(file_name=bad, labels=['dog'])])
        with pytest.raises(ValueError, match='not inside the image folder'):
            build(coco_root, ann=ann, check_files=False)
