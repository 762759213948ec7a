"""coco_instances_to_list and dataset_stats on generated COCO files."""
import importlib.util
import json
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tests', 'test_datasets'))
from generated_layouts import coco_instances, write_image  # noqa: E402

from mmlkd.datasets import CocoMultiLabel  # noqa: E402


def load_tool(rel):
    spec = importlib.util.spec_from_file_location(
        osp.basename(rel)[:-3], osp.join(ROOT, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def coco(tmp_path):
    ann = coco_instances()
    for im in ann['images']:
        write_image(str(tmp_path / 'val2014' / im['file_name']), im['id'])
    path = tmp_path / 'instances_val2014.json'
    path.write_text(json.dumps(ann))
    return tmp_path, path


def test_converter_round_trip(coco, capsys):
    root, src = coco
    conv = load_tool('tools/dataset_converters/coco_instances_to_list.py')
    dst = root / 'out' / 'list.json'
    conv.main([str(src), str(dst)])
    assert '3/3' in capsys.readouterr().err  # mmengine's progress bar
    items = json.loads(dst.read_text())
    assert items == [
        dict(
            file_name='COCO_val2014_000000000001.jpg',
            labels=['person', 'dog']),
        dict(file_name='COCO_val2014_000000000002.jpg', labels=['bottle']),
        dict(
            file_name='COCO_val2014_000000000003.jpg',
            labels=['bicycle', 'dog']),
    ]
    # the list gives the same dataset as the instances file
    kw = dict(data_root=str(root), data_prefix=dict(img_path='val2014/'))
    a = CocoMultiLabel(ann_file=str(src), **kw)
    b = CocoMultiLabel(ann_file=str(dst), classes=a.CLASSES, **kw)
    assert [a.get_data_info(i)
            for i in range(3)] == [b.get_data_info(i) for i in range(3)]
    # indices in alphabetical order, empty images kept
    n = conv.convert(
        str(src),
        str(dst),
        labels='indices',
        class_order='alphabetical',
        keep_empty=True)
    assert n == 4
    assert [x['labels'] for x in json.loads(dst.read_text())
            ] == [[2, 3], [1], [0, 2], []]  # bicycle, bottle, dog, person


def test_dataset_stats(coco, capsys):
    root, src = coco
    stats_tool = load_tool('tools/analysis_tools/dataset_stats.py')
    out_json = root / 'stats.json'
    stats = stats_tool.main([
        osp.join(ROOT, 'configs/_base_/datasets/coco_224.py'), '--split',
        'val', '--data-root',
        str(root), '--cfg-options', f'val_dataloader.dataset.ann_file={src}',
        '--json',
        str(out_json)
    ])
    # 3 images with labels (2, 1, 2), classes person/bicycle/dog/bottle
    assert stats['num_images'] == 3 and stats['num_classes'] == 4
    assert stats['num_labels'] == 5
    assert stats['labels_per_image'] == dict(
        mean=5 / 3, median=2.0, min=1, max=2)
    assert stats['labels_per_image_histogram'] == {'1': 1, '2': 2}
    assert stats['class_frequency'] == dict(
        person=1, bicycle=1, dog=2, bottle=1)
    assert json.loads(out_json.read_text()) == stats
    printed = capsys.readouterr()
    assert 'images: 3' in printed.out and 'dog' in printed.out
    assert '3/3' in printed.err  # mmengine's progress bar, on stderr
    empty = stats_tool.label_stats([[], [0, 0, 1]], ['a', 'b', 'c'])
    assert empty['images_without_label'] == 1
    assert empty['class_frequency'] == dict(a=1, b=1, c=0)
    assert empty['classes_without_image'] == ['c']
