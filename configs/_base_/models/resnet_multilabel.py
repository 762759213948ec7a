# ResNet classifiers with a linear multi-label head (GAP + FC, sigmoid BCE),
# ImageNet-initialised from OpenMMLab's released weights. Override the URL
# with a local path where there is no internet, e.g.
#   --cfg-options model.architecture.backbone.init_cfg.checkpoint=/ckpt/r18.pth
_IMAGENET = 'https://download.openmmlab.com/mmclassification/v0/resnet/'
_BCE = dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)


def _resnet(depth: int, ckpt: str, in_channels: int) -> dict:
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            depth=depth,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint=_IMAGENET + ckpt,
                          prefix='backbone')),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='MultiLabelLinearClsHead', num_classes=80,
                  in_channels=in_channels, loss=_BCE),
    )


resnet101_ml = _resnet(101, 'resnet101_8xb32_in1k_20210831-539c63f8.pth',
                       2048)
resnet50_ml = _resnet(50, 'resnet50_8xb32_in1k_20210831-ea4938fc.pth', 2048)
resnet34_ml = _resnet(34, 'resnet34_8xb32_in1k_20210831-f257d4e6.pth', 512)
resnet18_ml = _resnet(18, 'resnet18_8xb32_in1k_20210831-fbbb1da6.pth', 512)
