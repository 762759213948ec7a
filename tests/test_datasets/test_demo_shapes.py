import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmlkd  # noqa: F401
from mmlkd.datasets.demo_shapes import CLASSES, render_demo_image


def _build(**kw):
    return DATASETS.build(
        dict(
            type='DemoShapes',
            num_images=40,
            pipeline=[dict(type='PackInputs')],
            **kw))


def test_deterministic_and_splits_differ():
    a, b = _build(split='train'), _build(split='train')
    v = _build(split='val')
    assert np.array_equal(a.get_data_info(3)['img'], b.get_data_info(3)['img'])
    assert not np.array_equal(
        a.get_data_info(3)['img'],
        v.get_data_info(3)['img'])
    assert a.test_mode is False and v.test_mode is True


def test_items_are_multi_label_and_packed():
    ds = _build(split='train', img_size=40)
    sizes = [len(ds.get_data_info(i)['gt_label']) for i in range(len(ds))]
    assert min(sizes) >= 1 and max(sizes) <= 4 and max(sizes) >= 3
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 40, 40)
    labels = item['data_samples'].gt_label.tolist()
    assert all(0 <= c < len(CLASSES) for c in labels)


def test_labels_are_the_visible_shapes():
    # A label is kept only when its shape left visible pixels: check that each
    # labelled class's colour really occurs in the image.
    from mmlkd.datasets.demo_shapes import COLOURS
    rng = np.random.default_rng(5)
    for _ in range(20):
        img, labels = render_demo_image(rng, 32)
        for c in labels:
            colour = np.array(list(COLOURS.values())[c % 4], dtype=float)
            dist = np.abs(img.astype(float) - colour).max(-1)
            assert (dist < 80).sum() >= 6


def test_bad_arguments():
    with pytest.raises(ValueError, match='split'):
        _build(split='test')
    with pytest.raises(ValueError, match='img_size'):
        _build(img_size=8)
