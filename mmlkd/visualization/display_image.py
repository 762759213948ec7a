"""Packed pipeline outputs back to displayable RGB images."""
from typing import Optional, Sequence

import numpy as np
import torch


def pipeline_channel_order(pipeline: Sequence[dict],
                           data_preprocessor: Optional[dict] = None) -> str:
    """Channel order (``'rgb'`` / ``'bgr'``) of what ``pipeline`` yields.

    OpenCV-loaded files are BGR, and a preprocessor with ``to_rgb`` means the
    pipeline hands it BGR (the embedded demo data too); a pipeline loading
    no file with ``to_rgb=False`` (PIL-loaded data) yields RGB.
    """
    loads_files = any(
        t.get('type') == 'LoadImageFromFile' for t in pipeline or [])
    to_rgb = bool((data_preprocessor or {}).get('to_rgb'))
    return 'bgr' if to_rgb or loads_files else 'rgb'


def to_display_image(inputs: torch.Tensor, order: str) -> np.ndarray:
    """A packed ``C x H x W`` input as a contiguous ``H x W x 3`` RGB uint8."""
    if order not in ('rgb', 'bgr'):
        raise ValueError(
            f"channel order must be 'rgb' or 'bgr', got {order!r}")
    img = inputs.detach().permute(1, 2, 0).cpu().numpy()
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    elif order == 'bgr':
        img = img[..., ::-1]
    return np.ascontiguousarray(img)
