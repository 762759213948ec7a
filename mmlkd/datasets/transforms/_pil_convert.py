"""Lossless hand-over between the pipeline's arrays and PIL images.

The L2D transforms run PIL ops (as the reference does) but keep
``results['img']`` an ``H x W x 3`` uint8 RGB array between steps, so any
mmcv / mmpretrain transform (``PackInputs``, ...) can follow them. A uint8
RGB array and a mode-``'RGB'`` PIL image hold the same bytes, so the
conversions change no pixel.
"""
from typing import Union

import numpy as np
from PIL import Image


def to_pil(img: Union[np.ndarray, Image.Image], who: str) -> Image.Image:
    """``img`` as a mode-``'RGB'`` PIL image (a copy: PIL ops draw in place).

    Args:
        img (np.ndarray | PIL.Image.Image): An ``H x W x 3`` uint8 RGB array,
            or an RGB PIL image.
        who (str): The calling transform, named in the error.
    """
    if isinstance(img, Image.Image):
        if img.mode != 'RGB':
            raise ValueError(f'{who}: expects an RGB image, got PIL mode '
                             f'{img.mode!r}')
        return img.copy()
    if not (isinstance(img, np.ndarray) and img.dtype == np.uint8
            and img.ndim == 3 and img.shape[2] == 3):
        raise ValueError(
            f'{who}: expects an H x W x 3 uint8 RGB array (load the image '
            f'with LoadImagePIL), got '
            f'{getattr(img, "dtype", type(img).__name__)} '
            f'{getattr(img, "shape", "")}')
    # A 3-channel uint8 array becomes mode 'RGB'; PIL stores RGB as 4 bytes a
    # pixel, so this copies and the caller's array is never drawn on.
    return Image.fromarray(np.ascontiguousarray(img))


def to_array(img: Image.Image) -> np.ndarray:
    """An RGB PIL image as a writable ``H x W x 3`` uint8 array."""
    return np.array(img, dtype=np.uint8)
