# ResNet and Wide ResNet classifiers with the ML-Decoder head of L2D, used
# as teachers and students by configs/teachers/ and configs/l2d/.
# The backbone's last feature map goes to the head unpooled (neck=None); the
# embedding width is 768 for every backbone, so teacher and student label-wise
# embeddings (recorded at `head.decoder`) align for LEDLoss.
#
# Initial weights: torchvision's ImageNet-1k weights, as the L2D reference
# (models/resnet.py there loads resnet18/34/50/101 and wide_resnet50_2/101_2
# from download.pytorch.org into teacher and student alike). mmengine
# resolves `torchvision://NAME` to torchvision's URL for NAME and loads the
# raw torchvision state dict into the backbone: no `prefix` (torchvision's
# keys have no `backbone.`), every backbone tensor is filled and only `fc.*`
# is left unused (tests/test_models/test_torchvision_init.py). mmengine maps
# the names to the files torchvision lists today, which for the ResNets are
# the same weights re-saved in torch's zip format (pytorch/vision#2068) under
# new hashes: resnet18-f37072fd (reference: resnet18-5c106cde), resnet34-
# b627a593 (333f7ec4), resnet50-0676ba61 (19c8e357), resnet101-63fe2227
# (5d3b4d8f); the Wide ResNet files are the reference's own
# (wide_resnet50_2-95faca4d, wide_resnet101_2-32ee1156).
#
# mmpretrain's ImageNet-1k ResNets (another training run, keys under
# `backbone.`) stay available as MMPRETRAIN_WEIGHTS below; switch one run
# with, e.g.
#   --cfg-options model.backbone.init_cfg.prefix=backbone \
#       model.backbone.init_cfg.checkpoint=https://download.openmmlab.com/mmclassification/v0/resnet/resnet101_8xb32_in1k_20210831-539c63f8.pth  # noqa: E501
# (inside a distillation config: model.architecture.backbone.init_cfg...),
# or all configs by setting IMAGENET_WEIGHTS = MMPRETRAIN_WEIGHTS here. A
# local copy of a torchvision file: model.backbone.init_cfg.checkpoint=
# /data/resnet101-63fe2227.pth; no pretraining: model.backbone.init_cfg=None.
# Building a model never downloads; only Runner's init_weights() does.
TORCHVISION_WEIGHTS = {
    name: dict(type='Pretrained', checkpoint=f'torchvision://{name}')
    for name in ('resnet18', 'resnet34', 'resnet50', 'resnet101',
                 'wide_resnet50_2', 'wide_resnet101_2')
}
_mmpretrain = 'https://download.openmmlab.com/mmclassification/v0/resnet/'
MMPRETRAIN_WEIGHTS = {
    name:
    dict(type='Pretrained', checkpoint=_mmpretrain + file, prefix='backbone')
    for name, file in (
        ('resnet18', 'resnet18_8xb32_in1k_20210831-fbbb1da6.pth'),
        ('resnet34', 'resnet34_8xb32_in1k_20210831-f257d4e6.pth'),
        ('resnet50', 'resnet50_8xb32_in1k_20210831-ea4938fc.pth'),
        ('resnet101', 'resnet101_8xb32_in1k_20210831-539c63f8.pth'),
        # mmpretrain publishes no Wide ResNet ImageNet weights.
    )
}
IMAGENET_WEIGHTS = TORCHVISION_WEIGHTS

# mmpretrain's ResNet reproduces torchvision's key for key (conv1, bn1,
# layerX.Y.convZ / bnZ, layerX.0.downsample.0 / 1; stride on the 3x3 conv,
# style='pytorch'). torchvision's Wide ResNet-N-2 is its Bottleneck with a
# mid width of 128 * 2^i and outputs 256 * 2^i: mmpretrain's ResNet with
# base_channels=128 and expansion=2 (out = base * 2^i * expansion, mid =
# out / expansion) has the same keys and shapes.
_ARCH = {
    'resnet18': dict(depth=18),
    'resnet34': dict(depth=34),
    'resnet50': dict(depth=50),
    'resnet101': dict(depth=101),
    'wide_resnet50_2': dict(depth=50, base_channels=128, expansion=2),
    'wide_resnet101_2': dict(depth=101, base_channels=128, expansion=2),
}


def _resnet_mldecoder(name, channels, dropout=0.1):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            out_indices=(3, ),
            style='pytorch',
            init_cfg=IMAGENET_WEIGHTS[name],
            **_ARCH[name]),
        neck=None,
        head=dict(
            type='MLDecoderHead',
            num_classes=80,
            in_channels=channels,
            embed_dims=768,
            num_heads=8,
            ffn_dims=2048,
            dropout=dropout,
            fixed_queries=True,
            # mmpretrain's sigmoid BCE: summed over classes, mean over images.
            loss=dict(
                type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)))


r18_mldecoder = _resnet_mldecoder('resnet18', 512)
r34_mldecoder = _resnet_mldecoder('resnet34', 512)
r50_mldecoder = _resnet_mldecoder('resnet50', 2048)
r101_mldecoder = _resnet_mldecoder('resnet101', 2048)
wrn50_mldecoder = _resnet_mldecoder('wide_resnet50_2', 2048)
wrn101_mldecoder = _resnet_mldecoder('wide_resnet101_2', 2048)

# The teachers as used inside distillation: same weights, dropout off.
# mmrazor keeps the teacher in train mode apart from BatchNorm, so the
# decoder's dropout would otherwise randomise the embeddings and logits it
# hands over (the reference runs its teacher in eval mode).
r50_mldecoder_teacher = _resnet_mldecoder('resnet50', 2048, dropout=0.0)
r101_mldecoder_teacher = _resnet_mldecoder('resnet101', 2048, dropout=0.0)
wrn101_mldecoder_teacher = _resnet_mldecoder(
    'wide_resnet101_2', 2048, dropout=0.0)
