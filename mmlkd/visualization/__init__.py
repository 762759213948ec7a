"""Helpers of the visualisation tools (CAM overlays, displayable images)."""
from .cam import class_activation_maps, overlay_cam
from .class_names import checkpoint_classes, class_names, config_classes
from .display_image import pipeline_channel_order, to_display_image

__all__ = [
    'checkpoint_classes', 'class_activation_maps', 'class_names',
    'config_classes', 'overlay_cam', 'pipeline_channel_order',
    'to_display_image'
]
