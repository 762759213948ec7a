"""PILResize: resize with PIL, as torchvision's ``Resize`` on PIL images."""
from typing import Dict, Tuple

from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS
from PIL import Image

from ._pil_convert import to_array, to_pil

_RESAMPLE = {
    'nearest': Image.Resampling.NEAREST,
    'bilinear': Image.Resampling.BILINEAR,
    'bicubic': Image.Resampling.BICUBIC,
    'box': Image.Resampling.BOX,
    'hamming': Image.Resampling.HAMMING,
    'lanczos': Image.Resampling.LANCZOS,
}


@TRANSFORMS.register_module()
class PILResize(BaseTransform):
    """Resize to a fixed size with PIL, as the L2D reference does.

    The reference's ``torchvision.transforms.Resize((224, 224))`` on a PIL
    image calls ``img.resize((224, 224), Image.BILINEAR)``: PIL's bilinear
    filter widens with the downscale factor (it antialiases), which OpenCV's
    ``cv2.resize`` (mmcv's ``Resize``) does not, so their pixels differ.
    This makes that same PIL call on the RGB array.

    Required keys: ``img``. Modified: ``img``, ``img_shape``. Added:
    ``scale``, ``scale_factor``, ``keep_ratio`` (as mmcv's ``Resize``).

    Args:
        scale (tuple[int, int]): Output ``(width, height)``, mmcv's order.
            Defaults to (224, 224).
        interpolation (str): PIL filter, one of ``'nearest'``,
            ``'bilinear'``, ``'bicubic'``, ``'box'``, ``'hamming'``,
            ``'lanczos'``. Defaults to ``'bilinear'`` (torchvision's).
    """

    def __init__(self,
                 scale: Tuple[int, int] = (224, 224),
                 interpolation: str = 'bilinear') -> None:
        if len(scale) != 2 or min(scale) < 1:
            raise ValueError(f'PILResize: scale must be (width, height) of '
                             f'positive ints, got {scale!r}')
        if interpolation not in _RESAMPLE:
            raise ValueError(f'PILResize: interpolation must be one of '
                             f'{sorted(_RESAMPLE)}, got {interpolation!r}')
        self.scale = (int(scale[0]), int(scale[1]))
        self.interpolation = interpolation

    def transform(self, results: Dict) -> Dict:
        img = to_pil(results['img'], 'PILResize')
        width, height = img.size
        # No reducing_gap, as torchvision: PIL resamples the full image
        # exactly instead of shrinking by a box filter first.
        img = to_array(img.resize(self.scale, _RESAMPLE[self.interpolation]))
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['scale'] = self.scale
        results['scale_factor'] = (self.scale[0] / width,
                                   self.scale[1] / height)
        results['keep_ratio'] = False
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'interpolation={self.interpolation!r})')
