# ResNet classifiers with the ML-Decoder head of L2D, used
# as teachers and students by configs/teachers/ and configs/l2d/.
# The backbone's last feature map goes to the head unpooled (neck=None); the
# embedding width is 768 for every backbone, so teacher and student label-wise
# embeddings (recorded at `head.decoder`) align for LEDLoss.
#
# Backbones start from mmpretrain's ImageNet-1k checkpoints through init_cfg.
# Point them elsewhere (a local file) with e.g.
#   --cfg-options model.backbone.init_cfg.checkpoint=/data/resnet101.pth
# or switch pretraining off with model.backbone.init_cfg=None.
# Building a model never downloads; only Runner's init_weights() does.
_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/'
pretrained_r18 = _ckpt + 'resnet18_8xb32_in1k_20210831-fbbb1da6.pth'
pretrained_r34 = _ckpt + 'resnet34_8xb32_in1k_20210831-f257d4e6.pth'
pretrained_r101 = _ckpt + 'resnet101_8xb32_in1k_20210831-539c63f8.pth'


def _resnet_mldecoder(depth, channels, checkpoint, dropout=0.1):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            depth=depth,
            out_indices=(3, ),
            init_cfg=dict(
                type='Pretrained', checkpoint=checkpoint,
                prefix='backbone')),
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


r18_mldecoder = _resnet_mldecoder(18, 512, pretrained_r18)
r34_mldecoder = _resnet_mldecoder(34, 512, pretrained_r34)
r101_mldecoder = _resnet_mldecoder(101, 2048, pretrained_r101)

# The teacher as used inside distillation: same weights, dropout off. mmrazor
# keeps the teacher in train mode apart from BatchNorm, so the decoder's
# dropout would otherwise randomise the embeddings and logits it hands over.
r101_mldecoder_teacher = _resnet_mldecoder(
    101, 2048, pretrained_r101, dropout=0.0)
