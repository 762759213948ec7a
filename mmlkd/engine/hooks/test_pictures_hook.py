"""Pictures of test images with their predicted and true labels
(``tools/test.py --show-dir``)."""
from typing import Optional, Sequence

from mmengine.registry import HOOKS
from mmpretrain.engine.hooks import VisualizationHook


@HOOKS.register_module()
class TestPicturesHook(VisualizationHook):
    """mmpretrain's ``VisualizationHook`` in the channel order of the data.

    mmpretrain's hook draws the packed inputs as they come from the
    pipeline, as RGB; a pipeline that hands the data preprocessor BGR
    (``to_rgb=True``: files loaded by OpenCV, and the demo data) would be
    drawn with red and blue swapped. Here the channels are reversed first
    for ``channel_order='bgr'``. Each picture (mmpretrain's
    ``UniversalVisualizer.visualize_cls``) shows the true labels and the
    predicted ones with their scores, named by the dataset's classes;
    images with a short side under ``min_size`` are enlarged to it so that
    the text can be read (the demo's are 32 pixels).

    Args:
        channel_order: ``'rgb'`` or ``'bgr'``, the order of the pipeline's
            output (:func:`mmlkd.visualization.pipeline_channel_order`).
        min_size: the short side of a picture at least, in pixels.
        **kwargs: :class:`mmpretrain.engine.hooks.VisualizationHook`'s.
    """

    def __init__(self,
                 channel_order: str = 'rgb',
                 out_dir: Optional[str] = None,
                 min_size: int = 224,
                 **kwargs) -> None:
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError("TestPicturesHook: channel_order must be 'rgb' "
                             f"or 'bgr', got {channel_order!r}")
        kwargs.setdefault('draw_gt', True)
        kwargs.setdefault('draw_pred', True)
        super().__init__(out_dir=out_dir, **kwargs)
        self.channel_order = channel_order
        self.min_size = min_size
        self._resize = kwargs.get('resize')

    def _draw_samples(self,
                      batch_idx: int,
                      data_batch: dict,
                      data_samples: Sequence,
                      step: int = 0) -> None:
        if self.enable and self._resize is None and data_batch['inputs']:
            short = min(data_batch['inputs'][0].shape[-2:])
            self.draw_args['resize'] = (
                self.min_size if short < self.min_size else None)
        if self.enable and self.channel_order == 'bgr':
            data_batch = dict(
                data_batch,
                inputs=[
                    img.flip(0) if img.shape[0] == 3 else img
                    for img in data_batch['inputs']
                ])
        super()._draw_samples(batch_idx, data_batch, data_samples, step)
