"""tools/visualization/compare_cams.py on random tiny models."""
import importlib.util
import os.path as osp

import matplotlib.image as mpimg
import numpy as np
import pytest
import torch

import mmlkd  # noqa: F401  (compat fixes before mmrazor)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'compare_cams',
        osp.join(ROOT, 'tools', 'visualization', 'compare_cams.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _classifier(width):
    return (f"dict(type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', "
            f"depth=18, stem_channels={width}, base_channels={width}, "
            f"out_indices=(3, )), neck=dict(type='GlobalAveragePooling'), "
            f"head=dict(type='MultiLabelLinearClsHead', num_classes=4, "
            f"in_channels={8 * width}))")


DATA = """
data_preprocessor = dict(type='mmpretrain.ClsDataPreprocessor', num_classes=4,
                         mean=[127.5] * 3, std=[64.0] * 3, to_rgb=True,
                         to_onehot=True)
test_dataloader = dict(dataset=dict(type='MultiLabelDataset', pipeline=[
    dict(type='LoadImageFromFile'), dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs')]))
"""


@pytest.fixture
def images(tmp_path):
    import cv2
    rng = np.random.default_rng(0)
    paths = []
    for i, size in enumerate((40, 24)):  # sizes differ: the pipeline resizes
        path = str(tmp_path / f'img{i}.png')
        cv2.imwrite(path, rng.integers(0, 255, (size, size, 3), np.uint8))
        paths.append(path)
    return paths


def test_plain_configs_random_weights_write_png(tmp_path, images):
    for name, width in (('teacher', 16), ('student', 8)):
        (tmp_path /
         f'{name}.py').write_text(f'model = {_classifier(width)}\n' + DATA)
    out = str(tmp_path / 'grid.png')
    with pytest.warns(UserWarning, match='weights are random'):
        _tool().main([
            '--teacher',
            str(tmp_path / 'teacher.py'), '--student',
            str(tmp_path / 'student.py'), '--topk', '2', '--out', out
        ] + images)
    picture = mpimg.imread(out)
    # two image rows and 1 + 2*2 columns: a real grid, not an empty canvas
    assert picture.ndim == 3 and picture.shape[0] > 200
    assert picture.shape[1] > picture.shape[0]
    assert picture[..., :3].std() > 0.05


def test_distill_checkpoint_gives_both_models(tmp_path, images):
    tool = _tool()
    cfg_path = tmp_path / 'distill.py'
    cfg_path.write_text(
        DATA + f"model = dict(_scope_='mmrazor', type='SingleTeacherDistill', "
        f"data_preprocessor=data_preprocessor, "
        f"architecture=dict(_scope_='mmpretrain', **{_classifier(8)}), "
        f"teacher=dict(_scope_='mmpretrain', **{_classifier(16)}), "
        f"distiller=dict(type='ConfigurableDistiller'))\n")
    cfg = tool.load_config(str(cfg_path))
    from mmrazor.registry import MODELS
    algo = MODELS.build(cfg.model)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in algo.parameters():
            p.normal_()
    ckpt = str(tmp_path / 'distill.pth')
    torch.save(dict(state_dict=algo.state_dict()), ckpt)

    for role, ref in (('teacher', algo.teacher), ('student', algo.student)):
        model = tool.build_classifier(cfg, ckpt, role, 'cpu')
        for (k, v), (k2, v2) in zip(model.state_dict().items(),
                                    ref.state_dict().items()):
            assert k == k2 and torch.equal(v, v2), (role, k)

    out = str(tmp_path / 'grid.png')
    tool.main(['--distill', str(cfg_path), ckpt, '--out', out, images[0]])
    assert mpimg.imread(out).ndim == 3


def test_head_without_cam_is_refused(tmp_path, images):
    bad = _classifier(8).replace(
        "head=dict(type='MultiLabelLinearClsHead', num_classes=4, "
        "in_channels=64)",
        "head=dict(type='StackedLinearClsHead', num_classes=4, "
        "in_channels=64, mid_channels=[8])")
    (tmp_path / 'bad.py').write_text(f'model = {bad}\n' + DATA)
    (tmp_path / 'ok.py').write_text(f'model = {_classifier(8)}\n' + DATA)
    with pytest.raises(TypeError, match='StackedLinearClsHead'), \
            pytest.warns(UserWarning):
        _tool().main([
            '--teacher',
            str(tmp_path / 'bad.py'), '--student',
            str(tmp_path / 'ok.py'), '--out',
            str(tmp_path / 'x.png')
        ] + images)


def test_demo_images_from_distill_config(tmp_path):
    out = str(tmp_path / 'demo.png')
    with pytest.warns(UserWarning, match='weights are random'):
        _tool().main([
            '--distill',
            osp.join(ROOT, 'configs', 'cams_kd', 'demo_cams_kd.py'), '--demo',
            '2', '--topk', '1', '--out', out
        ])
    picture = mpimg.imread(out)
    assert picture.ndim == 3 and picture.shape[1] > picture.shape[0]


def test_checkpoint_loading_is_strict_and_prefix_aware(tmp_path):
    tool = _tool()
    cfg_path = tmp_path / 'distill.py'
    cfg_path.write_text(
        DATA + f"model = dict(_scope_='mmrazor', type='SingleTeacherDistill', "
        f"data_preprocessor=data_preprocessor, "
        f"architecture=dict(_scope_='mmpretrain', **{_classifier(8)}), "
        f"teacher=dict(_scope_='mmpretrain', **{_classifier(16)}), "
        f"distiller=dict(type='ConfigurableDistiller'))\n")
    (tmp_path / 'student.py').write_text(f'model = {_classifier(8)}\n' + DATA)
    cfg = tool.load_config(str(cfg_path))
    from mmrazor.registry import MODELS
    algo = MODELS.build(cfg.model)
    state = algo.state_dict()

    # A student exported without its prefix loads into the distill config's
    # student, and into a plain student config.
    plain = {
        k[len('architecture.'):]: v
        for k, v in state.items() if k.startswith('architecture.')
    }
    torch.save(dict(state_dict=plain), tmp_path / 'student.pth')
    for config in (cfg, tool.load_config(str(tmp_path / 'student.py'))):
        model = tool.build_classifier(config, str(tmp_path / 'student.pth'),
                                      'student', 'cpu')
        assert torch.equal(model.head.fc.weight, plain['head.fc.weight'])

    # Strict: a missing tensor is named, not silently left random.
    del state['teacher.head.fc.bias']
    torch.save(dict(state_dict=state), tmp_path / 'broken.pth')
    with pytest.raises(KeyError, match='head.fc.bias'):
        tool.build_classifier(cfg, str(tmp_path / 'broken.pth'), 'teacher',
                              'cpu')
    # The student's part of the same file is complete and loads.
    tool.build_classifier(cfg, str(tmp_path / 'broken.pth'), 'student', 'cpu')
    # The teacher (width 16) does not fit the student's weights.
    with pytest.raises(KeyError, match='size mismatch|does not fit'):
        tool.build_classifier(
            tool.load_config(str(tmp_path / 'student.py')),
            str(tmp_path / 'broken.pth'), 'student', 'cpu')


def test_class_names_from_checkpoint_then_config(tmp_path):
    """Names come from the checkpoint's dataset_meta, else the config's
    dataset; a 4-class model never gets another dataset's list."""
    from mmengine.config import Config
    tool = _tool()
    ckpt = tmp_path / 'named.pth'
    torch.save(
        dict(
            meta=dict(dataset_meta=dict(classes=['w', 'x', 'y', 'z'])),
            state_dict={}), ckpt)
    cfg = Config(
        dict(
            test_dataloader=dict(
                dataset=dict(
                    type='CocoMultiLabel', classes=['a', 'b', 'c', 'd']))))
    assert tool.class_names(cfg, None, 4, [str(ckpt)]) == ['w', 'x', 'y', 'z']
    assert tool.class_names(cfg, None, 4, [None]) == ['a', 'b', 'c', 'd']
    unnamed = Config(
        dict(test_dataloader=dict(dataset=dict(
            type='CocoMultiLabel'))))  # COCO's 80 by default: not these 4
    assert tool.class_names(unnamed, None, 4) == ['0', '1', '2', '3']
