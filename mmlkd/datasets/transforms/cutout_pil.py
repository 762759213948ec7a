"""CutoutPIL: the L2D reference's cutout (one box, random colour)."""
import random
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS
from PIL import ImageDraw

from ._pil_convert import to_array, to_pil


@TRANSFORMS.register_module()
class CutoutPIL(BaseTransform):
    """Paint one box of a random colour, with the L2D reference's draws.

    Always applied. The box is ``cutout_factor`` of the image side, centred
    anywhere (clipped at the borders, so it may be smaller), and filled with
    one colour whose red, green and blue are each uniform in 0..255. Its
    corners are drawn from ``np.random`` (vertical centre, then horizontal)
    and its colour from python's ``random``, in the reference's order, so the
    same seeds give the reference's image.

    The reference unpacks PIL's ``(width, height)`` size as ``(h, w)``, so
    on a non-square image the box's vertical centre and extent follow the
    width and its horizontal ones the height. That is kept, for the same
    pixels; the L2D pipeline cuts out after a square resize, where it does
    not matter.

    Required keys: ``img`` (``H x W x 3`` uint8 RGB). Modified: ``img``.

    Args:
        cutout_factor (float): Box side as a fraction of the image side.
            Defaults to 0.5 (the reference's).
    """

    def __init__(self, cutout_factor: float = 0.5) -> None:
        if not 0 <= cutout_factor <= 1:
            raise ValueError(f'CutoutPIL: cutout_factor must be in [0, 1], '
                             f'got {cutout_factor!r}')
        self.cutout_factor = cutout_factor

    def transform(self, results: Dict) -> Dict:
        img = to_pil(results['img'], 'CutoutPIL')
        width, height = img.size
        # Sides rounded half up; the half-sides below are floored, so the
        # box spans 2 * (side // 2) + 1 pixels before clipping (inclusive
        # corners), as the reference.
        side_v = int(self.cutout_factor * width + 0.5)
        side_h = int(self.cutout_factor * height + 0.5)
        centre_v = np.random.randint(width)
        centre_h = np.random.randint(height)
        top, bottom = np.clip([centre_v - side_v // 2, centre_v + side_v // 2],
                              0, width)
        left, right = np.clip([centre_h - side_h // 2, centre_h + side_h // 2],
                              0, height)
        colour = (random.randint(0, 255), random.randint(0, 255),
                  random.randint(0, 255))
        # PIL's rectangle includes both corners; a box reaching past the
        # image is clipped by PIL.
        ImageDraw.Draw(img).rectangle(
            [int(left), int(top), int(right),
             int(bottom)], fill=colour)
        results['img'] = to_array(img)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'cutout_factor={self.cutout_factor})')
