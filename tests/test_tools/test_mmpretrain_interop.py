"""mmpretrain's own API and tools on mmlkd's models and work dirs.

* An exported demo student answers the same through mmpretrain's
  ``ImageClassificationInferencer`` (an image file, or the array mmcv reads
  from it) as through ``tools/inference.py``. The demo data used to be RGB
  arrays with ``to_rgb=False``, so the inferencer, which reads files as
  BGR, swapped red and blue (``blue_triangle`` for a red one).
* The config dumped in a work dir states the per-process batch
  (``train_dataloader.batch_size``) that mmpretrain's tools read
  (``vis_scheduler.py``), beside mmlkd's ``global_batch_size``.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmlkd_testing import ROOT, TINY_DEMO

STUDENT_CFG = osp.join(ROOT, 'configs', 'demo', 'student_alone.py')


def _load(name, *parts):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', *parts))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """A demo distillation checkpoint (random weights, spread BN statistics),
    its exported student, and demo images saved as files."""
    import cv2
    from mmrazor.registry import MODELS

    from mmlkd.datasets import DemoShapes
    tmp = tmp_path_factory.mktemp('interop')
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', 'mld.py'))
    cfg.model.teacher_ckpt = None
    torch.manual_seed(0)
    algo = MODELS.build(cfg.model)
    with torch.no_grad():
        for name, buf in algo.named_buffers():
            if name.endswith('running_mean'):
                buf.normal_(0, 0.5)
    dataset = DemoShapes(split='val', num_images=6, pipeline=[])
    torch.save(
        dict(
            state_dict=algo.state_dict(),
            meta=dict(cfg=cfg.pretty_text, dataset_meta=dataset.metainfo)),
        tmp / 'distill.pth')
    _load('convert', 'model_converters',
          'convert_kd_ckpt_to_student.py').convert(
              str(tmp / 'distill.pth'), str(tmp / 'student.pth'))
    images = []
    for i in range(len(dataset)):
        path = str(tmp / f'shape{i}.png')
        cv2.imwrite(path, dataset[i]['img'])  # BGR arrays, true colours
        images.append(path)
    return str(tmp / 'student.pth'), images


def test_inferencer_answers_as_inference_tool(exported):
    import mmcv
    from mmpretrain.apis import ImageClassificationInferencer
    ckpt, images = exported
    tool = _load('inference',
                 'inference.py').main([STUDENT_CFG, ckpt] + images)
    expected = np.array([r['scores'] for r in tool])
    inferencer = ImageClassificationInferencer(STUDENT_CFG, pretrained=ckpt)
    from_files = np.stack([r['pred_scores'] for r in inferencer(images)])
    np.testing.assert_allclose(from_files, expected, rtol=1e-5, atol=1e-6)
    # An array as mmcv (and cv2) reads the file: BGR.
    arrays = [mmcv.imread(p) for p in images]
    from_arrays = np.stack([r['pred_scores'] for r in inferencer(arrays)])
    np.testing.assert_allclose(from_arrays, expected, rtol=1e-5, atol=1e-6)
    # The top class names agree too (the checkpoint's class list).
    named = inferencer(images[:1])[0]
    best = max(tool[0]['scores'])
    assert named['pred_class'] == [
        d['name'] for d in tool[0]['labels'] if d['score'] == best
    ][0] or best < 0.5


def test_red_and_blue_stay_apart():
    """Channel order of the demo data as the preprocessor states it."""
    from mmlkd.datasets import DemoShapes
    from mmlkd.datasets.demo_shapes import COLOURS
    cfg = Config.fromfile(STUDENT_CFG)
    assert cfg.data_preprocessor.to_rgb is True
    ds = DemoShapes(split='val', num_images=40, pipeline=[])
    red = ds.metainfo['classes'].index('red_square')
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        if red in info['gt_label']:
            rgb = info['img'][..., ::-1].reshape(-1, 3).astype(float)
            near = np.abs(rgb - np.array(COLOURS['red'])).max(1) < 50
            assert near.sum() >= 6  # red in RGB after the preprocessor flip
            return
    pytest.fail('no red square in 40 demo images')


def test_dumped_config_states_the_per_process_batch(tmp_path):
    train = _load('mmlkd_tool_train_interop', 'train.py')
    train.main([STUDENT_CFG, '--work-dir',
                str(tmp_path), '--cfg-options'] + TINY_DEMO)
    dumped = Config.fromfile(str(tmp_path / 'student_alone.py'))
    # What mmpretrain's vis_scheduler.py (its visualization tools) reads.
    assert dumped.train_dataloader.batch_size == 16
    assert dumped.global_batch_size == 16
    # And the dumped config launches again as it is.
    from mmlkd.utils.recipe import resolve_batch
    assert resolve_batch(dumped, 1).per_process == 16


def test_inferencer_on_an_l2d_config_sees_the_reference_pixels(tmp_path):
    """An L2D-recipe student (PIL pipeline, RGB, to_rgb=False) answers the
    same through the inferencer (file or BGR array), tools/inference.py and
    a forward on the reference's own decode of the file."""
    import cv2
    import mmcv
    from mmpretrain.apis import ImageClassificationInferencer
    from mmpretrain.registry import MODELS
    from PIL import Image
    cfg_path = osp.join(ROOT, 'configs', 'l2d',
                        'baseline_r18_mldecoder_coco.py')
    cfg = Config.fromfile(cfg_path)
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor = cfg.data_preprocessor
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    ckpt = tmp_path / 'r18.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    rgb = np.zeros((90, 120, 3), np.uint8)
    rgb[..., 0] = 255  # pure red on the left, pure blue on the right
    rgb[:, 60:] = (0, 0, 255)
    path = str(tmp_path / 'red_blue.png')
    cv2.imwrite(path, rgb[..., ::-1])  # a true-colour file
    # The reference: PIL decode, resize, ToTensor; the config's [0, 1].
    ref = Image.open(path).convert('RGB').resize((224, 224), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(ref)).permute(2, 0, 1)[None] / 255.0
    with torch.no_grad():
        expected = torch.sigmoid(model(x.float(), mode='tensor'))[0].numpy()
    inferencer = ImageClassificationInferencer(cfg, pretrained=str(ckpt))
    for given in (path, mmcv.imread(path)):
        got = inferencer([given])[0]['pred_scores']
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    tool = _load('inference', 'inference.py').main([cfg_path, str(ckpt), path])
    np.testing.assert_allclose(
        tool[0]['scores'], expected, rtol=1e-4, atol=1e-5)
