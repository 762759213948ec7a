"""Class activation maps of a classifier and their overlay on an image."""
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.visualization import Visualizer

from mmlkd.models.connectors import CAMConnector
from mmlkd.models.recorders import CAMInputsRecorder


@torch.no_grad()
def class_activation_maps(
        model: torch.nn.Module,
        inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """CAMs ``C x h x w`` and sigmoid scores ``C`` of one packed image.

    ``inputs`` is a pipeline's ``CHW`` output; the model's data preprocessor
    normalises it. The CAMs come from :class:`CAMInputsRecorder` and
    :class:`CAMConnector`, the code CAM distillation trains with, so only
    heads that have a CAM are accepted (the recorder raises otherwise).
    """
    recorder = CAMInputsRecorder('backbone', 'head')
    recorder.initialize(model)
    device = next(model.parameters()).device
    data = model.data_preprocessor(
        dict(inputs=[inputs.to(device)], data_samples=None), False)
    try:
        with recorder:
            logits = model(data['inputs'], mode='tensor')
        cams = CAMConnector()(recorder.get_record_data())
    finally:
        recorder.remove_hook()  # leave the model as it was
    return cams[0].float().cpu(), torch.sigmoid(logits[0].float()).cpu()


def overlay_cam(image: np.ndarray,
                cam: torch.Tensor,
                alpha: float = 0.45) -> np.ndarray:
    """One class's CAM (``h x w``) as a jet heat map over an RGB image.

    ``Visualizer.draw_featmap`` stretches the map to [0, 255] (min-max, per
    map: teacher and student CAMs live on different scales, and where they
    peak is what a picture compares), colours it with OpenCV's jet map and
    blends it with the image.
    """
    if cam.dim() != 2:
        raise ValueError(f'overlay_cam: expected one h x w map, got shape '
                         f'{tuple(cam.shape)}')
    # Upsampled here (bilinear, as draw_featmap would) so that draw_featmap
    # does not warn about the size difference on every call.
    heat = F.interpolate(
        cam[None, None].float(),
        size=image.shape[:2],
        mode='bilinear',
        align_corners=False)[0]
    return Visualizer.draw_featmap(
        heat,
        np.ascontiguousarray(image, dtype=np.uint8),
        channel_reduction='squeeze_mean',
        alpha=alpha)
