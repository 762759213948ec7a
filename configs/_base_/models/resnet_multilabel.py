# ResNet classifiers with a linear multi-label head (GAP + FC, sigmoid BCE),
# the teachers and students of the linear-head methods on the L2D recipe.
#
# Initial weights: torchvision's ImageNet-1k weights, as the L2D reference
# (which trains its KD, RKD, PKT, ... baselines from the same files as L2D):
# mmengine resolves `torchvision://NAME` and loads the raw torchvision state
# dict into the backbone (no `prefix`; only torchvision's `fc.*` is left
# unused, tests/test_models/test_torchvision_init.py). The file names and
# hashes are in configs/_base_/models/resnet_mldecoder.py.
# mmpretrain's ImageNet-1k ResNets (another training run, keys under
# `backbone.`) for one run, e.g.
#   --cfg-options model.architecture.backbone.init_cfg.prefix=backbone \
#       model.architecture.backbone.init_cfg.checkpoint=https://download.openmmlab.com/mmclassification/v0/resnet/resnet18_8xb32_in1k_20210831-fbbb1da6.pth  # noqa: E501
# or for all by setting IMAGENET_WEIGHTS = MMPRETRAIN_WEIGHTS here; a local
# file: ...init_cfg.checkpoint=/ckpt/resnet18-f37072fd.pth.
_BCE = dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)
TORCHVISION_WEIGHTS = {
    f'resnet{depth}':
    dict(type='Pretrained', checkpoint=f'torchvision://resnet{depth}')
    for depth in (18, 34, 50, 101)
}
_mmpretrain = 'https://download.openmmlab.com/mmclassification/v0/resnet/'
MMPRETRAIN_WEIGHTS = {
    f'resnet{depth}':
    dict(
        type='Pretrained',
        checkpoint=f'{_mmpretrain}resnet{depth}_{run}.pth',
        prefix='backbone')
    for depth, run in (
        (18, '8xb32_in1k_20210831-fbbb1da6'),
        (34, '8xb32_in1k_20210831-f257d4e6'),
        (50, '8xb32_in1k_20210831-ea4938fc'),
        (101, '8xb32_in1k_20210831-539c63f8'),
    )
}
IMAGENET_WEIGHTS = TORCHVISION_WEIGHTS


def _resnet(depth: int, in_channels: int) -> dict:
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            depth=depth,
            num_stages=4,
            out_indices=(3, ),
            style='pytorch',
            init_cfg=IMAGENET_WEIGHTS[f'resnet{depth}']),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='MultiLabelLinearClsHead',
            num_classes=80,
            in_channels=in_channels,
            loss=_BCE),
    )


resnet101_ml = _resnet(101, 2048)
resnet50_ml = _resnet(50, 2048)
resnet34_ml = _resnet(34, 512)
resnet18_ml = _resnet(18, 512)
