"""The L2D transforms reproduce the reference's pixels and draws.

The reference (L2D, ICCV 2023) trains on Image.open().convert('RGB') ->
torchvision Resize((224, 224)) -> its CutoutPIL(0.5) -> RandAugment() of the
PyPI package randaugment 1.0.2 -> ToTensor(). Here each mmlkd transform is
compared with that code under the same seeds of python's random and
np.random: the package itself (a test extra), and a transcription of the
reference's 20-line CutoutPIL (the reference is no package). Equality is
exact (max pixel difference 0), and the random states after the call are
equal too, so the draws are the same ones, in the same order.
"""
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmpretrain.registry import MODELS, TRANSFORMS
from PIL import Image, ImageDraw, ImageFile

import mmlkd  # noqa: F401  (registers the transforms)
from mmlkd.datasets.transforms import (CutoutPIL, LoadImagePIL, PILResize,
                                       RandAugmentPIL)
from mmlkd.datasets.transforms.randaugment_pil import LEVELS, MAGNITUDES, OPS

randaugment = pytest.importorskip('randaugment')  # tests extra, pinned 1.0.2

# torchvision is no dependency of mmlkd; where it is installed, the resize
# and ToTensor are also checked against it, else against the PIL calls it
# makes (Image.resize(..., BILINEAR); uint8 / 255).
try:
    from torchvision import transforms as tv_transforms
except ImportError:  # pragma: no cover - depends on the environment
    tv_transforms = None

L2D_CFG = 'configs/_base_/datasets/l2d_transforms.py'


@pytest.fixture
def package_np_int(monkeypatch):
    # randaugment 1.0.2 builds its magnitude tables with np.int, which numpy
    # removed in 1.24; np.int was python's int.
    monkeypatch.setattr(np, 'int', int, raising=False)


def textured(width, height, seed=0):
    """A deterministic RGB image with edges, gradients and noise."""
    rs = np.random.RandomState(seed)  # own generator: global ones untouched
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.stack([(xx * 7) % 256, (yy * 5) % 256, (
        (xx + yy) * 3) % 256], -1) // 2 + rs.randint(0, 128,
                                                     (height, width, 3))
    img[height // 3:height // 2, width // 4:width // 2] = (250, 20, 30)
    return img.astype(np.uint8)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)


def rng_states():
    return random.getstate(), np.random.get_state()[1].tolist()


def reference_cutout_pil(x, cutout_factor=0.5):
    """The reference's CutoutPIL (its cut_out_pil.py), transcribed."""
    draw = ImageDraw.Draw(x)
    h, w = x.size[0], x.size[1]  # the reference's (swapped) names
    h_cut = int(cutout_factor * h + 0.5)
    w_cut = int(cutout_factor * w + 0.5)
    y_c = np.random.randint(h)
    x_c = np.random.randint(w)
    y1 = np.clip(y_c - h_cut // 2, 0, h)
    y2 = np.clip(y_c + h_cut // 2, 0, h)
    x1 = np.clip(x_c - w_cut // 2, 0, w)
    x2 = np.clip(x_c + w_cut // 2, 0, w)
    fill = (random.randint(0,
                           255), random.randint(0,
                                                255), random.randint(0, 255))
    draw.rectangle([x1, y1, x2, y2], fill=fill)
    return x


# (a) CutoutPIL ---------------------------------------------------------------


@pytest.mark.parametrize('size', [(224, 224), (200, 150), (150, 200), (37, 5),
                                  (1, 1), (2, 3)])
def test_cutout_pil_equals_reference(size):
    base = textured(*size)
    cutout = CutoutPIL()
    changed = 0
    for seed in range(200):
        seed_all(seed)
        expected = np.asarray(reference_cutout_pil(Image.fromarray(base)))
        after_ref = rng_states()
        seed_all(seed)
        got = cutout.transform(dict(img=base.copy()))['img']
        assert rng_states() == after_ref, seed
        assert got.dtype == np.uint8 and got.shape == base.shape
        assert np.array_equal(got, expected), (size, seed)
        changed += not np.array_equal(got, base)
    # The box was really drawn. On a very non-square image the reference's
    # swapped sides often put it below the image, which PIL clips away.
    assert changed > (150 if size[0] == size[1] else 20)


def test_cutout_pil_leaves_the_input_array_alone():
    base = textured(32, 32)
    copy = base.copy()
    np.random.seed(0)
    CutoutPIL().transform(dict(img=base))
    assert np.array_equal(base, copy)


# (b) RandAugmentPIL ----------------------------------------------------------


def test_policy_index_means_the_package_pair():
    """Every one of the 18,225 pair indices decodes to the package's pair."""
    policies = randaugment.RandAugment.get_rand_policies()
    choices = len(OPS) * len(LEVELS)
    assert len(policies) == choices**2 == 18225
    for index, policy in enumerate(policies):
        decoded = []
        for choice in divmod(index, choices):
            op, level = divmod(choice, len(LEVELS))
            decoded.append((0.5, OPS[op], LEVELS[level]))
        assert [tuple(p) for p in policy] == decoded, index


def test_magnitudes_are_the_package_floats(package_np_int):
    for op in OPS:
        for level in LEVELS:
            sub = randaugment.randaugment.SubPolicy(0.5, op, level, 0.5, op,
                                                    level)
            if op in MAGNITUDES:
                # bit-identical (== on floats / ints)
                assert MAGNITUDES[op][level] == sub.magnitude1, (op, level)
            else:
                assert sub.magnitude1 == 0  # Invert, AutoContrast, Equalize


def _signs_for(seed):
    # The sign an op would draw after seed_all(seed) and one coin flip.
    random.seed(seed)
    random.random()
    return random.choice((-1, 1))


@pytest.mark.parametrize('size', [(200, 150), (23, 17)])
def test_each_op_and_level_equals_the_package(size, package_np_int):
    """All 15 ops x 9 levels, both directions, Cutout at the borders."""
    base = textured(*size, seed=1)
    aug = RandAugmentPIL()
    # two seeds per direction, so signed ops are checked both ways
    minus = [s for s in range(50) if _signs_for(s) == -1][:2]
    plus = [s for s in range(50) if _signs_for(s) == 1][:2]
    seeds = minus + plus + list(range(100, 104))
    checked = 0
    for op in OPS:
        for level in LEVELS:
            # p1 = 1: the package always applies its first op; p2 = 0: never
            # the second (its coin is still flipped, after the op).
            sub = randaugment.randaugment.SubPolicy(1.0, op, level, 0.0, op,
                                                    level)
            for seed in seeds:
                seed_all(seed)
                expected = np.asarray(sub(Image.fromarray(base)))
                seed_all(seed)
                random.random()  # the package's first coin flip
                got = np.asarray(
                    aug.apply_op(Image.fromarray(base), op, level))
                random.random()  # and its second
                diff = np.abs(got.astype(int) - expected).max()
                assert diff == 0, (op, level, seed, diff)
                checked += 1
    assert checked == 15 * 9 * len(seeds)


@pytest.mark.parametrize('size', [(224, 224), (200, 150)])
def test_randaugment_equals_the_package_under_the_same_seeds(
        size, package_np_int):
    base = textured(*size, seed=2)
    package = randaugment.RandAugment()
    aug = RandAugmentPIL()
    unchanged = 0
    for seed in range(300):
        seed_all(seed)
        expected = np.asarray(package(Image.fromarray(base)))
        after_package = rng_states()
        seed_all(seed)
        got = aug.transform(dict(img=base.copy()))['img']
        assert rng_states() == after_package, seed  # same draws, same order
        assert got.dtype == np.uint8 and got.shape == base.shape
        assert np.array_equal(got, expected), (size, seed)
        unchanged += np.array_equal(got, base)
    # both coins fail a quarter of the time (plus a few no-op draws)
    assert 50 < unchanged < 110


def test_randaugment_pair_draws_are_uniform():
    """Exact counts of what is drawn: a chi-square test of the 15 x 15 op
    pairs and of the applied-op count (0, 1, 2: 1/4, 1/2, 1/4)."""
    applied = []
    aug = RandAugmentPIL()
    aug.apply_op = lambda img, op, level: (applied.append((op, level)), img)[1]
    pairs = np.zeros((15, 15))
    n_applied = np.zeros(3)
    random.seed(123)
    np.random.seed(123)
    img = textured(8, 8)
    for _ in range(20000):
        state = random.getstate()
        pair = random.randint(0, 135 * 135 - 1)
        random.setstate(state)  # the transform makes this same draw first
        first, second = divmod(pair, 135)
        pairs[first // 9, second // 9] += 1
        before = len(applied)
        aug.transform(dict(img=img))
        n_applied[len(applied) - before] += 1
    expected = pairs.sum() / 225
    chi2 = ((pairs - expected)**2 / expected).sum()
    assert chi2 < 300  # df 224: p ~ 0.0005 at 300
    expect = np.array([0.25, 0.5, 0.25]) * 20000
    assert ((n_applied - expect)**2 / expect).sum() < 13.8  # df 2, p 0.001
    assert {op for op, _ in applied} == set(OPS)
    assert {level for _, level in applied} == set(LEVELS)


# (c) LoadImagePIL + PILResize ------------------------------------------------


def _write_images(tmp_path):
    paths = []
    big = Image.fromarray(textured(333, 250, seed=3))
    big.save(tmp_path / 'wide.jpg', quality=90)
    paths.append(tmp_path / 'wide.jpg')
    Image.fromarray(textured(100, 180, seed=4)).save(tmp_path / 'tall.png')
    paths.append(tmp_path / 'tall.png')
    big.convert('L').save(tmp_path / 'grey.jpg')  # PIL converts L -> RGB
    paths.append(tmp_path / 'grey.jpg')
    big.convert('P').save(tmp_path / 'palette.png')
    paths.append(tmp_path / 'palette.png')
    rgba = big.convert('RGBA')
    rgba.putalpha(90)
    rgba.save(tmp_path / 'alpha.png')
    paths.append(tmp_path / 'alpha.png')
    return paths


def test_load_and_resize_equal_the_reference_pixels(tmp_path):
    load, resize = LoadImagePIL(), PILResize(scale=(224, 224))
    for path in _write_images(tmp_path):
        results = load.transform(dict(img_path=str(path)))
        with Image.open(path) as ref:
            ref = ref.convert('RGB')
        assert np.array_equal(results['img'], np.asarray(ref))
        assert results['ori_shape'] == (ref.height, ref.width)
        results = resize.transform(results)
        expected = np.asarray(ref.resize((224, 224), Image.BILINEAR))
        assert results['img'].dtype == np.uint8
        assert np.array_equal(results['img'], expected), path
        if tv_transforms is not None:  # what the reference itself calls
            tv = np.asarray(tv_transforms.Resize((224, 224))(ref))
            assert np.array_equal(results['img'], tv), path
        assert results['img_shape'] == (224, 224)
        assert results['scale_factor'] == (224 / ref.width, 224 / ref.height)


def test_resize_to_a_non_square_scale_is_width_height(tmp_path):
    img = textured(90, 60)
    out = PILResize(scale=(50, 30)).transform(dict(img=img))['img']
    assert out.shape == (30, 50, 3)
    expected = Image.fromarray(img).resize((50, 30), Image.BILINEAR)
    assert np.array_equal(out, np.asarray(expected))
    if tv_transforms is not None:  # torchvision's size is (height, width)
        tv = tv_transforms.Resize((30, 50))(Image.fromarray(img))
        assert np.array_equal(out, np.asarray(tv))


def test_truncated_file_loads_as_the_reference_does(tmp_path):
    good = tmp_path / 'full.jpg'
    Image.fromarray(textured(120, 90)).save(good, quality=95)
    data = good.read_bytes()
    cut = tmp_path / 'cut.jpg'
    cut.write_bytes(data[:len(data) * 2 // 3])
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # the reference's setting
    try:
        with Image.open(cut) as ref:
            expected = np.asarray(ref.convert('RGB'))
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    got = LoadImagePIL().transform(dict(img_path=str(cut)))['img']
    assert np.array_equal(got, expected)
    assert ImageFile.LOAD_TRUNCATED_IMAGES == previous  # restored
    with pytest.raises(OSError, match='cut.jpg'):
        LoadImagePIL(load_truncated=False).transform(dict(img_path=str(cut)))


# (d) the config pipelines ----------------------------------------------------


def _reference_train(path, package):
    with Image.open(path) as img:
        img = img.convert('RGB')
    img = img.resize((224, 224), Image.BILINEAR)
    img = reference_cutout_pil(img, 0.5)
    return np.asarray(package(img))


def test_config_train_pipeline_is_the_reference(tmp_path, package_np_int):
    cfg = Config.fromfile(L2D_CFG)
    types = [t['type'] for t in cfg.l2d_train_pipeline]
    assert types == [
        'LoadImagePIL', 'PILResize', 'CutoutPIL', 'RandAugmentPIL',
        'PackInputs'
    ]
    steps = [TRANSFORMS.build(t) for t in cfg.l2d_train_pipeline]
    before_pack, pack = Compose(steps[:-1]), steps[-1]
    path = tmp_path / 'wide.jpg'
    Image.fromarray(textured(333, 250, seed=5)).save(path, quality=90)
    package = randaugment.RandAugment()
    for seed in range(50):
        seed_all(seed)
        expected = _reference_train(path, package)
        seed_all(seed)
        results = before_pack(dict(img_path=str(path), gt_label=[1, 3]))
        img = results['img']
        assert isinstance(img, np.ndarray) and img.dtype == np.uint8
        assert img.shape == (224, 224, 3)  # HWC, RGB
        assert np.array_equal(img, expected), seed
    packed = pack(results)
    assert packed['inputs'].shape == (3, 224, 224)
    assert packed['inputs'].dtype == torch.uint8
    assert torch.equal(packed['inputs'],
                       torch.from_numpy(img).permute(2, 0, 1))
    assert packed['data_samples'].gt_label.tolist() == [1, 3]


@pytest.mark.parametrize('name', ['coco', 'voc', 'nuswide'])
def test_dataset_configs_feed_the_net_the_reference_tensor(name, tmp_path):
    cfg = Config.fromfile(f'configs/_base_/datasets/{name}_224_l2d.py')
    train_types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert 'LoadImageFromFile' not in train_types
    assert ('MergeDifficultLabels' in train_types) == (name == 'voc')
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert [t['type'] for t in loader.dataset.pipeline
                ] == ['LoadImagePIL', 'PILResize', 'PackInputs']
    path = tmp_path / 'wide.jpg'
    Image.fromarray(textured(333, 250, seed=6)).save(path, quality=90)
    pipeline = Compose(
        [TRANSFORMS.build(t) for t in cfg.val_dataloader.dataset.pipeline])
    packed = pipeline(
        dict(img_path=str(path), gt_label=[0], gt_label_difficult=[]))
    cfg.data_preprocessor.num_classes = 3
    assert cfg.data_preprocessor.to_rgb is False  # inputs are RGB already
    preprocessor = MODELS.build(cfg.data_preprocessor)
    inputs = preprocessor(
        dict(inputs=[packed['inputs']], data_samples=[packed['data_samples']]))
    with Image.open(path) as ref:
        ref = ref.convert('RGB').resize((224, 224), Image.BILINEAR)
    if tv_transforms is not None:
        expected = tv_transforms.ToTensor()(ref)
    else:  # ToTensor: CHW float32, uint8 / 255
        expected = torch.from_numpy(np.asarray(ref)).permute(2, 0, 1)
        expected = expected.float().div(255)
    assert torch.equal(inputs['inputs'][0], expected)  # bit-exact


# (e) errors name the file ----------------------------------------------------


def test_undecodable_file_is_named(tmp_path):
    bad = tmp_path / 'broken.jpg'
    bad.write_bytes(b'not an image at all')
    with pytest.raises(OSError, match='broken.jpg'):
        LoadImagePIL().transform(dict(img_path=str(bad)))
    assert LoadImagePIL(ignore_empty=True).transform(
        dict(img_path=str(bad))) is None


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / 'nowhere.jpg'
    with pytest.raises(FileNotFoundError, match='nowhere.jpg'):
        LoadImagePIL().transform(dict(img_path=str(missing)))
    assert LoadImagePIL(ignore_empty=True).transform(
        dict(img_path=str(missing))) is None


def test_pil_transforms_reject_non_rgb_arrays():
    for t in (PILResize(), CutoutPIL(), RandAugmentPIL()):
        with pytest.raises(ValueError, match='uint8 RGB'):
            t.transform(dict(img=np.zeros((8, 8), np.uint8)))
        with pytest.raises(ValueError, match='uint8 RGB'):
            t.transform(dict(img=np.zeros((8, 8, 3), np.float32)))
