"""RandAugmentPIL: the L2D reference's RandAugment (PyPI randaugment 1.0.2)."""
import random
from typing import Dict, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageEnhance, ImageOps

from ._pil_convert import to_array, to_pil

# The op order fixes which op a drawn pair index means, so it is the
# package's order.
OPS = ('Invert', 'Cutout', 'Sharpness', 'AutoContrast', 'Posterize', 'ShearX',
       'TranslateX', 'TranslateY', 'ShearY', 'Rotate', 'Equalize', 'Contrast',
       'Color', 'Solarize', 'Brightness')
# Magnitude levels 1..9 of a 10-step scale (level 0, no change, is never
# drawn).
LEVELS = tuple(range(1, 10))

# The magnitude scales, 10 steps each, built with np.linspace as the package
# builds them, so every magnitude is the same float to the last bit.
_ENHANCE = np.linspace(0.0, 0.9, 10)  # factor 1 +- this
MAGNITUDES = {
    'ShearX': np.linspace(0, 0.3, 10),  # shear factor
    'ShearY': np.linspace(0, 0.3, 10),
    # fraction of the image side (150 px of 331 in AutoAugment's ImageNet)
    'TranslateX': np.linspace(0, 150 / 331, 10),
    'TranslateY': np.linspace(0, 150 / 331, 10),
    'Rotate': np.linspace(0, 30, 10),  # degrees
    'Color': _ENHANCE,
    'Contrast': _ENHANCE,
    'Sharpness': _ENHANCE,
    'Brightness': _ENHANCE,
    'Posterize': np.round(np.linspace(8, 4, 10), 0).astype(int),  # bits
    'Solarize': np.linspace(256, 0, 10),  # threshold
    'Cutout': np.round(np.linspace(0, 20, 10), 0).astype(int),  # side, px
}


def _sign() -> int:
    # The package draws the direction of shears, translations and the four
    # enhancements with python's random.choice over [-1, 1]; same call, same
    # draw.
    return random.choice((-1, 1))


@TRANSFORMS.register_module()
class RandAugmentPIL(BaseTransform):
    """RandAugment as the L2D reference runs it (PyPI ``randaugment==1.0.2``).

    Not mmpretrain's / timm's RandAugment: each call draws one of the
    ``135 x 135`` ordered pairs of (op, magnitude level) uniformly (15 ops of
    :data:`OPS`, levels 1..9 of :data:`MAGNITUDES`; the same op may come
    twice), then applies the first with probability ``prob`` and the second
    with probability ``prob``. Shears, translations and the enhancements
    (Color, Contrast, Sharpness, Brightness) take a random direction;
    Rotate always turns counter-clockwise (the package draws no sign for it).
    Cutout paints a square of up to 20 px (not clipped to a full square at
    the borders). Posterize keeps 8..4 bits, Solarize inverts above a
    threshold 256..0; Invert, AutoContrast and Equalize have no magnitude.

    Every draw uses the package's generator and order: python ``random``
    for the pair, the two coin flips and the directions, ``np.random`` for
    the Cutout position. The same seeds therefore give the package's image.

    Required keys: ``img`` (``H x W x 3`` uint8 RGB). Modified: ``img``.

    Args:
        prob (float): Probability of applying each of the two ops.
            Defaults to 0.5 (the package's).
        fill (tuple[int, int, int]): RGB colour of the area that shears,
            translations and rotations uncover. Defaults to (128, 128, 128)
            (the package's).
        cutout_fill (tuple[int, int, int]): RGB colour of the Cutout square.
            Defaults to (125, 122, 113) (the package's).
    """

    def __init__(
        self,
        prob: float = 0.5,
        fill: Sequence[int] = (128, 128, 128),
        cutout_fill: Sequence[int] = (125, 122, 113)
    ) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(
                f'RandAugmentPIL: prob must be in [0, 1], got {prob!r}')
        self.prob = prob
        self.fill = self._colour(fill, 'fill')
        self.cutout_fill = self._colour(cutout_fill, 'cutout_fill')

    @staticmethod
    def _colour(value: Sequence[int], name: str) -> Tuple[int, int, int]:
        colour = tuple(int(c) for c in value)
        if len(colour) != 3 or not all(0 <= c <= 255 for c in colour):
            raise ValueError(f'RandAugmentPIL: {name} must be 3 ints in '
                             f'0..255, got {value!r}')
        return colour

    def apply_op(self, img: Image.Image, op: str, level: int) -> Image.Image:
        """Apply one op at one magnitude level, with its own random draws.

        Args:
            img (PIL.Image.Image): An RGB image (not modified).
            op (str): One of :data:`OPS`.
            level (int): Magnitude level, 1..9 (0 is no change for the
                ops with a magnitude).

        Returns:
            PIL.Image.Image: The new RGB image.
        """
        if op not in OPS:
            raise ValueError(f'RandAugmentPIL: unknown op {op!r}')
        if op == 'Invert':
            return ImageOps.invert(img)
        if op == 'AutoContrast':
            return ImageOps.autocontrast(img)
        if op == 'Equalize':
            return ImageOps.equalize(img)
        magnitude = MAGNITUDES[op][level]
        if op == 'Posterize':
            return ImageOps.posterize(img, int(magnitude))
        if op == 'Solarize':
            return ImageOps.solarize(img, float(magnitude))
        if op in ('Color', 'Contrast', 'Sharpness', 'Brightness'):
            enhancer = getattr(ImageEnhance, op)(img)
            return enhancer.enhance(1 + float(magnitude) * _sign())
        if op == 'Rotate':
            # The package rotates an RGBA copy (nearest neighbour, same
            # size) and composites it over grey by its alpha: the same
            # pixels as a nearest-neighbour rotate that fills with grey.
            return img.rotate(float(magnitude), fillcolor=self.fill)
        if op == 'Cutout':
            return self._cutout(img, int(magnitude))
        # The affines map output to input pixels: (a, b, c, d, e, f) reads
        # (a x + b y + c, d x + e y + f).
        width, height = img.size
        if op == 'ShearX':
            coeffs = (1, float(magnitude) * _sign(), 0, 0, 1, 0)
        elif op == 'ShearY':
            coeffs = (1, 0, 0, float(magnitude) * _sign(), 1, 0)
        elif op == 'TranslateX':
            coeffs = (1, 0, float(magnitude) * width * _sign(), 0, 1, 0)
        else:  # TranslateY
            coeffs = (1, 0, 0, 0, 1, float(magnitude) * height * _sign())
        # The package shears bicubic and translates nearest (PIL's default).
        resample = (
            Image.Resampling.BICUBIC
            if op.startswith('Shear') else Image.Resampling.NEAREST)
        return img.transform(
            img.size,
            Image.Transform.AFFINE,
            coeffs,
            resample,
            fillcolor=self.fill)

    def _cutout(self, img: Image.Image, side: int) -> Image.Image:
        arr = to_array(img)
        height, width = arr.shape[:2]
        # Centre: column first, then row, both from np.random as the
        # package; the square spans centre -+ side // 2 (end excluded),
        # cut at the borders.
        col = np.random.randint(0, width)
        row = np.random.randint(0, height)
        half = side // 2
        arr[max(0, row - half):min(height, row + half),
            max(0, col - half):min(width, col + half)] = self.cutout_fill
        return Image.fromarray(arr)

    def transform(self, results: Dict) -> Dict:
        img = to_pil(results['img'], 'RandAugmentPIL')
        choices = len(OPS) * len(LEVELS)  # 135 (op, level) choices
        # One ordered pair of choices, uniform over choices ** 2, with the
        # package's single random.randint call.
        pair = random.randint(0, choices * choices - 1)
        for choice in divmod(pair, choices):  # (first op, second op)
            if random.random() < self.prob:
                op_index, level_index = divmod(choice, len(LEVELS))
                img = self.apply_op(img, OPS[op_index], LEVELS[level_index])
        results['img'] = to_array(img)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'fill={self.fill}, cutout_fill={self.cutout_fill})')
