"""tools/test.py's mmpretrain flags: ``--out-item`` and ``--show-dir``."""
import importlib.util
import json
import os.path as osp
import pickle

import matplotlib.image as mpimg
import numpy as np
import pytest
import torch

from mmlkd.datasets.demo_shapes import CLASSES
from mmlkd.utils.checkpoint_loading import build_for_check
from mmlkd_testing import ROOT

STUDENT = 'configs/demo/student_alone.py'
DATA = ['test_dataloader.dataset.num_images=8', 'test_dataloader.batch_size=4']


def _tool():
    spec = importlib.util.spec_from_file_location(
        'mmlkd_tool_test_outputs', osp.join(ROOT, 'tools', 'test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def ckpt(tmp_path_factory):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, STUDENT))
    torch.manual_seed(0)
    model = build_for_check(cfg.model, 'mmpretrain')
    path = tmp_path_factory.mktemp('outputs') / 'student.pth'
    torch.save(
        {
            'meta': {
                'dataset_meta': {
                    'classes': CLASSES
                }
            },
            'state_dict': model.state_dict()
        }, path)
    return str(path)


def _run(ckpt, tmp_path, *extra):
    return _tool().main(
        [STUDENT, ckpt, '--work-dir',
         str(tmp_path), *extra, '--cfg-options'] + DATA)


def test_out_item_pred_and_metrics(ckpt, tmp_path):
    preds = tmp_path / 'preds.pkl'
    metrics = _run(ckpt, tmp_path, '--out', str(preds))  # pred by default
    with open(preds, 'rb') as f:
        dumped = pickle.load(f)
    assert len(dumped) == 8 and 'pred_score' in dumped[0]
    out = tmp_path / 'metrics.json'
    again = _run(ckpt, tmp_path, '--out', str(out), '--out-item', 'metrics')
    with open(out) as f:
        written = json.load(f)
    assert written == pytest.approx(again) and written == pytest.approx(
        metrics)
    assert 'multi-label/mAP' in written
    with pytest.raises(ValueError, match='--out-item needs --out'):
        _run(ckpt, tmp_path, '--out-item', 'metrics')
    with pytest.raises(ValueError, match='must end with .json'):
        _run(ckpt, tmp_path, '--out', str(tmp_path / 'm.txt'), '--out-item',
             'metrics')


def test_show_dir_pictures_with_true_and_predicted_labels(
        ckpt, tmp_path, monkeypatch):
    from matplotlib.axes import Axes
    texts = []
    draw = Axes.text

    def spy(self, x, y, text, *args, **kwargs):
        texts.append(str(text))
        return draw(self, x, y, text, *args, **kwargs)

    monkeypatch.setattr(Axes, 'text', spy)
    show = tmp_path / 'pictures'
    _run(ckpt, tmp_path, '--show-dir', str(show), '--interval', '2')
    pictures = sorted(show.glob('*.png'))
    assert [p.name
            for p in pictures] == ['0_0.png', '2_0.png', '4_0.png', '6_0.png']
    assert len(texts) == 4
    from mmlkd.datasets import DemoShapes
    ds = DemoShapes(split='val', num_images=8)
    first_true = [CLASSES[i] for i in ds.get_data_info(0)['gt_label']]
    # True labels by name, and the predictions with their scores.
    assert 'Ground truth' in texts[0] and 'Prediction' in texts[0]
    assert all(name in texts[0] for name in first_true)
    # Enlarged so the text can be read, and drawn in true colours (the demo
    # data is BGR): away from the text, the picture is the RGB image.
    picture = mpimg.imread(pictures[0])[..., :3] * 255
    assert picture.shape[:2] == (224, 224)
    rgb = ds.get_data_info(0)['img'][..., ::-1].astype(float)
    small = picture[3::7, 3::7][12:]  # one pixel per source pixel, below
    rgb = rgb[12:]  # the text box
    colourful = (rgb.max(-1) - rgb.min(-1)) > 80  # the shapes, not the grey
    assert colourful.sum() >= 6
    error = np.abs(small - rgb)[colourful].mean()
    swapped = np.abs(small - rgb[..., ::-1])[colourful].mean()
    assert error < 30 and error < 0.5 * swapped
