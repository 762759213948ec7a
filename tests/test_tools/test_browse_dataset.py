"""tools/visualization/browse_dataset.py on the embedded demo data."""
import importlib.util
import os.path as osp

import matplotlib.image as mpimg
import numpy as np
import pytest

import mmlkd  # noqa: F401  (compat fixes, registries)
from mmlkd_testing import ROOT


def _tool():
    spec = importlib.util.spec_from_file_location(
        'browse_dataset',
        osp.join(ROOT, 'tools', 'visualization', 'browse_dataset.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_saves_pictures_of_the_test_pipeline_in_rgb(tmp_path):
    from mmlkd.datasets import DemoShapes
    written = _tool().main([
        osp.join(ROOT, 'configs', 'demo', 'mld.py'), '--phase', 'test',
        '--show-number', '3', '--output-dir',
        str(tmp_path), '--resize', '0', '--cfg-options',
        'test_dataloader.dataset.num_images=8'
    ])
    assert [osp.basename(p) for p in written] == [
        '000000_000000.png', '000001_000001.png', '000002_000002.png'
    ]
    dataset = DemoShapes(split='val', num_images=8, pipeline=[])
    for i, path in enumerate(written):
        picture = (mpimg.imread(path)[..., :3] * 255).round()
        expected = dataset[i]['img'][..., ::-1].astype(float)  # BGR data
        assert picture.shape == expected.shape  # drawn at its own size
        # Same colours (RGB kept RGB) away from the label text in the
        # top-left corner.
        assert np.abs(picture[16:, :] - expected[16:, :]).mean() < 8


def test_train_phase_with_labels(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv('DISPLAY', raising=False)
    _tool().main([
        osp.join(ROOT, 'configs', 'demo', 'teacher.py'), '--show-number', '2',
        '--output-dir',
        str(tmp_path), '--cfg-options', 'train_dataloader.dataset.num_images=4'
    ])
    assert 'wrote 2 pictures' in capsys.readouterr().out
    pictures = sorted(tmp_path.glob('*.png'))
    assert len(pictures) == 2
    picture = mpimg.imread(pictures[0])
    assert min(picture.shape[:2]) == 224  # upscaled so the text fits
    # The ground-truth text sits on a dark box in the top-left corner.
    assert picture[2:12, 2:100, :3].mean() < 0.35


def test_without_display_or_output_dir_is_refused(monkeypatch):
    monkeypatch.delenv('DISPLAY', raising=False)
    with pytest.raises(RuntimeError, match='give --output-dir'):
        _tool().main([osp.join(ROOT, 'configs', 'demo', 'teacher.py')])


def test_mmpretrain_flags_and_original_mode(tmp_path, monkeypatch, capsys):
    """mmpretrain 1.2.0's browse_dataset arguments: short flags,
    --not-show, -m original, -r, -c in upper case."""
    from mmlkd.datasets import DemoShapes
    monkeypatch.delenv('DISPLAY', raising=False)
    written = _tool().main([
        osp.join(ROOT, 'configs', 'demo',
                 'teacher.py'), '-p', 'val', '-n', '2', '-o',
        str(tmp_path), '-m', 'original', '-r', '2', '-c', 'BGR', '--resize',
        '0', '--not-show', '-i', '0', '--cfg-options',
        'val_dataloader.dataset.num_images=4'
    ])
    assert len(written) == 2
    assert '2/2' in capsys.readouterr().err  # mmengine's progress bar
    dataset = DemoShapes(split='val', num_images=4, pipeline=[])
    picture = (mpimg.imread(written[1])[..., :3] * 255).round()
    assert picture.shape[:2] == (64, 64)  # the 32 px image, rescaled by 2
    expected = np.repeat(np.repeat(dataset[1]['img'][..., ::-1], 2, 0), 2, 1)
    assert np.abs(picture[32:, :] - expected[32:, :]).mean() < 12
    # --not-show without --output-dir: nothing to refuse, nothing written
    assert _tool().main([
        osp.join(ROOT, 'configs', 'demo', 'teacher.py'), '-n', '1',
        '--not-show', '--cfg-options', 'train_dataloader.dataset.num_images=2'
    ]) == []


def test_concat_and_pipeline_modes(tmp_path, monkeypatch):
    """mmpretrain's concat (loaded | transformed) and pipeline (one panel
    per step) modes, on the L2D-recipe pipeline of a generated list file."""
    import json

    import cv2
    monkeypatch.delenv('DISPLAY', raising=False)
    img_dir = tmp_path / 'img'
    img_dir.mkdir()
    rgb = np.zeros((40, 80, 3), np.uint8)
    rgb[..., 0] = 255  # red
    cv2.imwrite(str(img_dir / 'a.png'), rgb[..., ::-1])
    (tmp_path / 'list.json').write_text(
        json.dumps([dict(file_name='a.png', labels=['cat'])]))
    base = [
        '--cfg-options', f'val_dataloader.dataset.data_root={tmp_path}/',
        'val_dataloader.dataset.ann_file=list.json',
        'val_dataloader.dataset.data_prefix.img_path=img/',
        "val_dataloader.dataset.classes=['cat']"
    ]
    config = osp.join(ROOT, 'configs', 'custom', 'baseline_r18_mldecoder.py')
    pictures = {}
    for mode in ('concat', 'pipeline'):
        out = tmp_path / mode
        written = _tool().main([
            config, '-p', 'val', '-n', '1', '-o',
            str(out), '-m', mode, '--resize', '0', '--not-show'
        ] + base)
        assert len(written) == 1
        pictures[mode] = (mpimg.imread(written[0])[..., :3] * 255).round()
    # concat: the loaded 80 x 40 image, scaled to the transformed 224 rows,
    # then a white gap, then the 224 x 224 input; both red (RGB kept).
    concat = pictures['concat']
    assert concat.shape[:2] == (224, 448 + 6 + 224)
    for panel in (concat[:, :448], concat[:, 454:]):
        assert panel[..., 0].mean() > 240 and panel[..., 2].mean() < 15
    # pipeline: LoadImagePIL (80 x 40, scaled to 224 rows) | PILResize.
    assert pictures['pipeline'].shape[:2] == (224, 448 + 6 + 224)
    assert np.abs(pictures['pipeline'] - concat).mean() < 1
