"""tools/inference.py with a student exported from a demo distillation."""
import importlib.util
import json
import os.path as osp

import matplotlib.image as mpimg
import numpy as np
import pytest
import torch

import mmlkd  # noqa: F401  (compat fixes, registries)
from mmlkd_testing import ROOT

STUDENT_CFG = osp.join(ROOT, 'configs', 'demo', 'student_alone.py')


def _load(name, *parts):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', *parts))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tool():
    return _load('inference', 'inference.py')


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """A demo MLD distillation checkpoint (random weights), its student
    exported by convert_kd_ckpt_to_student.py, and four demo images."""
    import cv2
    from mmengine.config import Config
    from mmrazor.registry import MODELS

    from mmlkd.datasets import DemoShapes
    tmp = tmp_path_factory.mktemp('inference')
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', 'mld.py'))
    cfg.model.teacher_ckpt = None
    torch.manual_seed(0)
    algo = MODELS.build(cfg.model)
    with torch.no_grad():  # spread the scores: random BN statistics
        for name, buf in algo.named_buffers():
            if name.endswith('running_mean'):
                buf.normal_(0, 0.5)
    state = algo.state_dict()
    torch.save(
        dict(state_dict=state, meta=dict(cfg=cfg.pretty_text)),
        tmp / 'distill.pth')
    _load('convert', 'model_converters',
          'convert_kd_ckpt_to_student.py').convert(
              str(tmp / 'distill.pth'), str(tmp / 'student.pth'))
    dataset = DemoShapes(split='val', num_images=4, pipeline=[])
    images = []
    for i in range(4):
        path = str(tmp / f'shape{i}.png')
        cv2.imwrite(path, dataset[i]['img'])  # BGR, as cv2 writes
        images.append(path)
    student = {
        k[len('architecture.'):]: v
        for k, v in state.items() if k.startswith('architecture.')
    }
    return tmp, str(tmp / 'student.pth'), images, dataset, student


def _reference_scores(student_state, dataset):
    """The student's sigmoid scores on the dataset's own arrays."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(STUDENT_CFG)
    cfg.model.data_preprocessor = cfg.data_preprocessor
    model = MODELS.build(cfg.model).eval()
    model.load_state_dict(student_state, strict=True)
    # The demo arrays are BGR; the model sees RGB (to_rgb=True).
    x = torch.stack([
        torch.from_numpy(dataset[i]['img'][..., ::-1].copy()).permute(2, 0, 1)
        for i in range(len(dataset))
    ]).float()
    x = (x - 127.5) / 64.0
    with torch.no_grad():
        return torch.sigmoid(model(x, mode='tensor'))


def test_labels_and_scores_match_the_student(exported, capsys):
    tmp, ckpt, images, dataset, student = exported
    expected = _reference_scores(student, dataset)
    thr = float(expected.median())
    out = str(tmp / 'results.json')
    results = _tool().main([STUDENT_CFG, ckpt] + images +
                           ['--thr', str(thr), '--out', out])
    assert [r['img_path'] for r in results] == images
    for r, exp in zip(results, expected):
        # Same scores as the student on the in-memory arrays: the PNGs
        # were read back in the channel order the demo model expects.
        np.testing.assert_allclose(
            r['scores'], exp.numpy(), rtol=1e-5, atol=1e-6)
        want = [
            i for i in torch.argsort(exp, descending=True).tolist()
            if exp[i] >= thr
        ]
        assert [d['index'] for d in r['labels']] == want
        assert [d['name'] for d in r['labels']
                ] == [dataset.metainfo['classes'][i] for i in want]
    assert sum(len(r['labels']) for r in results) > 0
    with open(out) as f:
        assert json.load(f) == results
    assert images[0] + ': ' in capsys.readouterr().out

    top1 = _tool().main([STUDENT_CFG, ckpt] + images[:1] +
                        ['--thr', '0', '--topk', '1'])
    assert [d['index']
            for d in top1[0]['labels']] == [int(expected[0].argmax())]


def test_cam_overlays(exported):
    tmp, ckpt, images, _, _ = exported
    cam_dir = tmp / 'cams'
    results = _tool().main([
        STUDENT_CFG, ckpt, images[0], images[1], '--cam-dir',
        str(cam_dir), '--cam-topk', '2'
    ])
    assert [r['cam_file'] for r in results] == [
        str(cam_dir / 'shape0_cam.png'),
        str(cam_dir / 'shape1_cam.png')
    ]
    for i in (0, 1):
        picture = mpimg.imread(cam_dir / f'shape{i}_cam.png')
        assert picture.shape[1] > 2 * picture.shape[0]  # image + 2 CAMs
        assert picture[..., :3].std() > 0.05


def test_strict_and_safe_loading(exported):
    tmp, ckpt, images, _, student = exported
    tool = _tool()
    partial = dict(student)
    del partial['head.fc.bias']
    torch.save(dict(state_dict=partial), tmp / 'partial.pth')
    with pytest.raises(KeyError, match='head.fc.bias'):
        tool.main([STUDENT_CFG, str(tmp / 'partial.pth'), images[0]])
    # The distillation checkpoint itself must be exported first.
    with pytest.raises(KeyError, match='convert_kd_ckpt_to_student'):
        tool.main([STUDENT_CFG, str(tmp / 'distill.pth'), images[0]])
    with pytest.raises(ValueError, match='distillation config'):
        tool.main(
            [osp.join(ROOT, 'configs', 'demo', 'mld.py'), ckpt, images[0]])
    # Arbitrary pickled objects are refused by the weights_only loader.
    torch.save(
        dict(state_dict=student, meta=dict(hook=Payload())),
        tmp / 'unsafe.pth')
    with pytest.raises(Exception, match='[Ww]eights only load failed'):
        tool.main([STUDENT_CFG, str(tmp / 'unsafe.pth'), images[0]])


def test_unreadable_image_is_named(exported):
    tmp, ckpt, _, _, _ = exported
    bad = tmp / 'not_an_image.png'
    bad.write_bytes(b'\x89PNG garbage, not an image')
    with pytest.raises(ValueError, match=r"cannot read '.*not_an_image\.png'"):
        _tool().main([STUDENT_CFG, ckpt, str(bad)])


class Payload:
    """A class a checkpoint must not be able to instantiate."""
