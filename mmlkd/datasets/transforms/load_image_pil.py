"""LoadImagePIL: decode an image file with PIL, as the L2D reference does."""
import io
from typing import Optional

from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageFile

from ._pil_convert import to_array


@TRANSFORMS.register_module()
class LoadImagePIL(BaseTransform):
    """Load an image as the L2D reference does: PIL, then ``convert('RGB')``.

    mmcv's ``LoadImageFromFile`` decodes with OpenCV (BGR, EXIF orientation
    applied, its own JPEG decoder and colour conversions), so its pixels are
    not the reference's. This reads the bytes through mmengine's fileio (any
    backend) and decodes them with PIL exactly as the reference's
    ``Image.open(path).convert('RGB')``: no EXIF rotation, PIL's conversion of
    grey / palette / CMYK files. ``results['img']`` is an ``H x W x 3`` uint8
    **RGB** array (use a data preprocessor with ``to_rgb=False``).

    Required keys: ``img_path``, or ``img`` (a BGR array already in memory,
    as mmpretrain's inferencer hands over; it is turned to RGB). Added:
    ``img``, ``img_shape``, ``ori_shape``.

    Args:
        load_truncated (bool): Decode truncated files (the missing part grey)
            instead of failing, as the reference, which sets PIL's
            ``ImageFile.LOAD_TRUNCATED_IMAGES = True``. Defaults to True.
        ignore_empty (bool): Return None (drop the sample) when the file
            cannot be read, as mmcv's ``LoadImageFromFile``. Defaults to
            False.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None (backend inferred from the path).
    """

    def __init__(self,
                 load_truncated: bool = True,
                 ignore_empty: bool = False,
                 backend_args: Optional[dict] = None) -> None:
        self.load_truncated = load_truncated
        self.ignore_empty = ignore_empty
        self.backend_args = None if backend_args is None else dict(
            backend_args)

    def _decode(self, img_bytes: bytes) -> Image.Image:
        # PIL reads LOAD_TRUNCATED_IMAGES as a module global when it decodes
        # (in convert's load()); set it for this decode only, so the rest of
        # the process keeps its own setting.
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = self.load_truncated
        try:
            with Image.open(io.BytesIO(img_bytes)) as img:
                return img.convert('RGB')
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous

    def transform(self, results: dict) -> Optional[dict]:
        if results.get('img_path') is None and 'img' in results:
            # An image already in memory, e.g. from mmpretrain's
            # ImageClassificationInferencer, which reads files with mmcv:
            # OpenMMLab's arrays are BGR, this pipeline's are RGB.
            img = results['img'][..., ::-1].copy()
            results['img'] = img
            results['img_shape'] = img.shape[:2]
            results['ori_shape'] = img.shape[:2]
            return results
        filename = results['img_path']
        try:
            img_bytes = fileio.get(filename, backend_args=self.backend_args)
        except Exception as e:
            if self.ignore_empty:
                return None
            # Not every backend's message names the path: add it.
            if str(filename) not in str(e):
                e.add_note(f'LoadImagePIL: while reading {filename!r}')
            raise
        try:
            img = to_array(self._decode(img_bytes))
        except Exception as e:
            if self.ignore_empty:
                return None
            # PIL's message names a BytesIO object, not the file.
            raise OSError(f'LoadImagePIL: cannot decode {filename!r} as an '
                          f'image: {e}') from e
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'load_truncated={self.load_truncated}, '
                f'ignore_empty={self.ignore_empty}, '
                f'backend_args={self.backend_args})')
