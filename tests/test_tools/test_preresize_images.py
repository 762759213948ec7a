"""preresize_images keeps the layout, writes the asked sizes, and the
pre-resized copy serves the COCO pipelines with the same annotations."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from mmlkd_testing import ROOT, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))
import bench_pipeline  # noqa: E402
import preresize_images  # noqa: E402


def _tree(tmp_path):
    src = tmp_path / 'src'
    rng = np.random.default_rng(0)
    sizes = {'a/x.jpg': (64, 48), 'a/b/y.JPG': (30, 50), 'z.png': (20, 20)}
    for rel, (w, h) in sizes.items():
        os.makedirs(osp.dirname(src / rel), exist_ok=True)
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        cv2.imwrite(str(src / rel), img)
    (src / 'a' / 'notes.txt').write_text('not an image')
    return src, sizes


def test_squash_to_size_keeps_layout(tmp_path, capsys):
    src, sizes = _tree(tmp_path)
    dst = tmp_path / 'dst'
    counts = preresize_images.main([str(src), str(dst), '--size', '24', '16'])
    assert counts == dict(images=3, resized=3, copied=0, skipped=0)
    printed = capsys.readouterr()
    assert '3/3' in printed.err and 'task/s' in printed.err  # progress bar
    assert '3 images under' in printed.out  # the summary, apart from it
    for rel in sizes:
        img = cv2.imread(str(dst / rel))
        assert img.shape == (16, 24, 3), rel
    assert not (dst / 'a' / 'notes.txt').exists()
    # A second run keeps what is there unless asked to overwrite.
    assert preresize_images.main([str(src),
                                  str(dst), '--size', '24',
                                  '16'])['skipped'] == 3


def test_workers_show_progress_too(tmp_path, capsys):
    src, _ = _tree(tmp_path)
    counts = preresize_images.main([
        str(src),
        str(tmp_path / 'dst'), '--size', '24', '16', '--workers', '2'
    ])
    assert counts['resized'] == 3
    assert '3/3' in capsys.readouterr().err


def test_shorter_side_keeps_aspect_and_copies_small_images(tmp_path):
    src, _ = _tree(tmp_path)
    dst = tmp_path / 'dst'
    counts = preresize_images.convert(str(src), str(dst), shorter=24)
    assert counts['resized'] == 2 and counts['copied'] == 1
    assert cv2.imread(str(dst / 'a/x.jpg')).shape[:2] == (24, 32)
    assert cv2.imread(str(dst / 'a/b/y.JPG')).shape[:2] == (40, 24)
    assert (dst / 'z.png').read_bytes() == (src / 'z.png').read_bytes()


def test_bad_arguments_are_named(tmp_path):
    src, _ = _tree(tmp_path)
    with pytest.raises(ValueError, match='exactly one'):
        preresize_images.convert(str(src), str(tmp_path / 'd'))
    with pytest.raises(ValueError, match='DST must differ'):
        preresize_images.convert(str(src), str(src), shorter=8)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        preresize_images.convert(
            str(tmp_path / 'nope'), str(tmp_path / 'd'), shorter=8)
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='no image'):
        preresize_images.convert(str(empty), str(tmp_path / 'd'), shorter=8)


def test_preresized_copy_serves_the_coco_pipeline(tmp_path):
    """Same annotation file, DST as the image folder: the pipeline's
    Resize(224, 224) output matches the one from the originals up to the
    JPEG re-encoding."""
    names = bench_pipeline.make_jpegs(str(tmp_path), 4, (160, 120))
    bench_pipeline.write_annotations(str(tmp_path), names, (160, 120))
    run_tool([
        'tools/dataset_converters/preresize_images.py',
        str(tmp_path / 'train2014'),
        str(tmp_path / 'train2014_224'), '--size', '224', '224', '--workers',
        '2'
    ])
    ann = json.loads(
        (tmp_path / 'annotations' / 'instances_train2014.json').read_text())
    assert {im['file_name']
            for im in ann['images']
            } == set(os.listdir(tmp_path / 'train2014_224'))
    orig = bench_pipeline.build_dataset('coco', str(tmp_path), 'train2014/')
    small = bench_pipeline.build_dataset('coco', str(tmp_path),
                                         'train2014_224/')
    assert len(orig) == len(small) == 4
    for ds in (orig, small):  # no random flip: compare pixels
        ds.pipeline.transforms = [
            t for t in ds.pipeline.transforms
            if type(t).__name__ != 'RandomFlip'
        ]
    for i in range(4):
        a, b = orig[i], small[i]
        assert a['inputs'].shape == b['inputs'].shape == (3, 224, 224)
        assert list(a['data_samples'].gt_label) == list(
            b['data_samples'].gt_label)
        diff = (a['inputs'].float() - b['inputs'].float()).abs().mean()
        assert float(diff) < 3.0  # JPEG quality 95
