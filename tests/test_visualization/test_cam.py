"""mmlkd.visualization: CAMs of a classifier, their overlay, display images."""
import numpy as np
import pytest
import torch

import mmlkd  # noqa: F401  (compat fixes, registries)
from mmlkd.visualization import (class_activation_maps, overlay_cam,
                                 pipeline_channel_order, to_display_image)


def _classifier():
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='ResNet_CIFAR',
                depth=18,
                stem_channels=4,
                base_channels=4,
                out_indices=(3, )),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='MultiLabelLinearClsHead', num_classes=5, in_channels=32),
            data_preprocessor=dict(
                type='ClsDataPreprocessor', mean=[127.5] * 3, std=[64.0] * 3)))
    return model.eval()


def test_cams_average_to_the_logits():
    model = _classifier()
    image = torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8)
    cams, scores = class_activation_maps(model, image)
    assert cams.shape == (5, 4, 4)
    # Linear head after global average pooling: logit = mean(CAM) + bias.
    with torch.no_grad():
        x = (image.float()[None] - 127.5) / 64.0
        logits = model(x, mode='tensor')[0]
    torch.testing.assert_close(
        cams.mean((1, 2)) + model.head.fc.bias.detach(),
        logits,
        rtol=1e-4,
        atol=1e-5)
    torch.testing.assert_close(scores, torch.sigmoid(logits))
    # The recorder's hook is gone afterwards.
    assert not model.backbone._forward_hooks


def test_overlay_puts_red_on_the_peak_and_blue_on_the_trough():
    image = np.full((32, 32, 3), 128, np.uint8)
    cam = torch.zeros(4, 4)
    cam[0, 0], cam[3, 3] = 5.0, -5.0
    out = overlay_cam(image, cam, alpha=1.0)  # the heat map alone
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    r, g, b = out[0, 0].astype(int)
    assert r > 100 and b < 50  # jet's top is dark red
    r, g, b = out[31, 31].astype(int)
    assert b > 100 and r < 50  # jet's bottom is dark blue
    np.testing.assert_array_equal(overlay_cam(image, cam, alpha=0.0), image)
    with pytest.raises(ValueError, match='one h x w map'):
        overlay_cam(image, cam[None])


def test_channel_order_and_display_image():
    assert pipeline_channel_order([dict(type='PackInputs')],
                                  dict(to_rgb=False)) == 'rgb'
    assert pipeline_channel_order([dict(type='LoadImageFromFile')]) == 'bgr'
    assert pipeline_channel_order([], dict(to_rgb=True)) == 'bgr'
    chw = torch.arange(3 * 2 * 2, dtype=torch.uint8).reshape(3, 2, 2)
    rgb = to_display_image(chw, 'rgb')
    assert rgb.shape == (2, 2, 3) and rgb[0, 0].tolist() == [0, 4, 8]
    assert to_display_image(chw, 'bgr')[0, 0].tolist() == [8, 4, 0]
