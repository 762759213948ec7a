"""DemoShapes: a generated multi-label image dataset for CPU demos and
tests."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

SHAPES = ('circle', 'square', 'triangle', 'plus')
COLOURS = {
    'red': (220, 50, 40),
    'green': (40, 180, 60),
    'blue': (40, 80, 220),
    'yellow': (225, 205, 40),
}
CLASSES = tuple(f'{c}_{s}' for s in SHAPES for c in COLOURS)


def _shape_mask(shape: str, yy: np.ndarray, xx: np.ndarray, cy: float,
                cx: float, r: float) -> np.ndarray:
    dy, dx = yy - cy, xx - cx
    if shape == 'circle':
        return dy * dy + dx * dx <= r * r
    if shape == 'square':
        return np.maximum(np.abs(dy), np.abs(dx)) <= 0.8 * r
    if shape == 'triangle':  # apex up, base at cy + r
        return (dy <= r) & (np.abs(dx) <= (dy + r) * 0.55)
    if shape == 'plus':
        arm = max(r / 3.0, 1.0)
        return ((np.abs(dx) <= arm) &
                (np.abs(dy) <= r)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= r))
    raise ValueError(f'unknown shape {shape!r}')


def render_demo_image(rng: np.random.Generator,
                      size: int,
                      max_objects: int = 4,
                      min_visible: int = 6) -> Tuple[np.ndarray, List[int]]:
    """Draw one image; its labels are the classes with visible pixels.

    Objects are drawn in order and may hide each other, so an object keeps its
    label only if at least ``min_visible`` of its pixels stay on top. Sizes,
    colour jitter, a noisy background and grey distractor strokes make the
    task hard enough that model capacity matters.
    """
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = rng.uniform(70, 150)
    img = base + rng.normal(0, 14, (size, size, 1)) + rng.normal(
        0, 5, (size, size, 3))
    # Distractor strokes: grey lines that are no class.
    for _ in range(rng.integers(0, 3)):
        y0, x0, y1, x1 = rng.uniform(0, size, 4)
        t = np.linspace(0, 1, 2 * size)
        ys = np.clip((y0 + (y1 - y0) * t).astype(int), 0, size - 1)
        xs = np.clip((x0 + (x1 - x0) * t).astype(int), 0, size - 1)
        img[ys, xs] = rng.uniform(40, 220)

    owner = np.full((size, size), -1, dtype=np.int64)
    n_obj = int(rng.integers(1, max_objects + 1))
    classes = rng.integers(0, len(CLASSES), n_obj)
    for k, cls in enumerate(classes):
        shape = SHAPES[cls // len(COLOURS)]
        colour = np.array(
            list(COLOURS.values())[cls % len(COLOURS)], dtype=np.float32)
        r = rng.uniform(0.11, 0.24) * size
        cy, cx = rng.uniform(r * 0.5, size - r * 0.5, 2)
        mask = _shape_mask(shape, yy, xx, cy, cx, r)
        img[mask] = colour + rng.normal(0, 14, 3)
        owner[mask] = k
    visible = np.bincount(owner[owner >= 0], minlength=n_obj)
    labels = sorted(
        {int(c)
         for c, v in zip(classes, visible) if v >= min_visible})
    return np.clip(img, 0, 255).astype(np.uint8), labels


@DATASETS.register_module()
class DemoShapes(MultiLabelDataset):
    """Coloured shapes, several per image: 16 classes (4 colours x 4 shapes).

    Generated in memory from ``seed`` (deterministic: every process of a
    distributed run builds the same images), so demos and tests need no
    download. Images are ``uint8`` arrays put in ``results['img']`` in
    **BGR** order, as ``LoadImageFromFile`` yields a file (no loading
    transform is needed); the config's data preprocessor converts to RGB
    (``to_rgb=True``), so a demo model answers the same to a saved image
    read by mmpretrain's tools (``ImageClassificationInferencer``, which
    reads files as BGR) as to the in-memory data. Train and val use
    different seeds.

    Args:
        split: ``'train'`` or ``'val'``.
        num_images: images in the split (default 2000 train / 500 val).
        img_size: side of the square images.
        seed: base seed; the split is mixed in.
        max_objects: at most this many shapes per image (at least one).
        pipeline: mmpretrain transforms, normally
            ``[dict(type='PackInputs')]``.
    """

    METAINFO = {'classes': CLASSES}

    def __init__(self,
                 split: str = 'train',
                 num_images: Optional[int] = None,
                 img_size: int = 32,
                 seed: int = 0,
                 max_objects: int = 4,
                 pipeline: Sequence = (),
                 test_mode: Optional[bool] = None,
                 **kwargs) -> None:
        if split not in ('train', 'val'):
            raise ValueError(
                f"DemoShapes: split must be 'train' or 'val', got {split!r}")
        if num_images is not None and num_images < 1:
            raise ValueError(f'DemoShapes ({split}): num_images must be >= 1, '
                             f'got {num_images}: the dataset would be empty')
        if img_size < 16:
            raise ValueError(
                f'DemoShapes: img_size must be >= 16, got {img_size}')
        self.split = split
        self.num_images = num_images if num_images is not None else (
            2000 if split == 'train' else 500)
        self.img_size = img_size
        self.seed = seed
        self.max_objects = max_objects
        super().__init__(
            ann_file='',
            pipeline=pipeline,
            test_mode=(split == 'val') if test_mode is None else test_mode,
            **kwargs)

    def load_data_list(self) -> List[Dict]:
        rng = np.random.default_rng(
            [self.seed, 0 if self.split == 'train' else 1])
        data_list = []
        for idx in range(self.num_images):
            img, labels = render_demo_image(rng, self.img_size,
                                            self.max_objects)
            # render_demo_image draws RGB; stored BGR, as a file loads.
            data_list.append(
                dict(
                    img=np.ascontiguousarray(img[..., ::-1]),
                    gt_label=labels,
                    sample_idx=idx))
        return data_list

    def extra_repr(self) -> List[str]:
        return [
            f'Split: \t{self.split}', f'Image size: \t{self.img_size}',
            f'Seed: \t{self.seed}'
        ]
