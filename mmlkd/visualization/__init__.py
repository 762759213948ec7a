"""Helpers of the visualisation tools (CAM overlays, displayable images)."""
from .cam import class_activation_maps, overlay_cam
from .display_image import pipeline_channel_order, to_display_image

__all__ = [
    'class_activation_maps', 'overlay_cam', 'pipeline_channel_order',
    'to_display_image'
]
