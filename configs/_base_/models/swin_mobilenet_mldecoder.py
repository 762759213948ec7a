# Swin-T and MobileNetV2 classifiers with the ML-Decoder head of L2D: the
# paper's Swin-T teacher -> MobileNetV2 student
# (configs/teachers/swin_t_mldecoder_coco.py,
# configs/l2d/swin_t_to_mbv2_coco.py).
# Swin-T's last stage (768 channels, LayerNorm'd, 7 x 7 at 224 px) and
# MobileNetV2's last 1x1 conv (1280 channels) go to the head unpooled, as the
# reference's add_ml_decoder_head does; the embedding width is 768 for both,
# so LEDLoss compares teacher and student embeddings directly.
#
# Initial weights (keys under `backbone.`):
# - Swin-T: mmpretrain's conversion of the official release the reference
#   loads (SwinTransformer/storage v1.0.0 swin_tiny_patch4_window7_224.pth,
#   81.18 % top-1): the same weights under mmpretrain's key names.
#   Stochastic depth 0.1, the reference's swin_t default (mmpretrain's
#   ImageNet config trains with 0.2).
# - MobileNetV2: the reference loads d-li14's mobilenetv2_1.0-f2a8633.pth.tar
#   (mobilenetv2.pytorch, 72.19 % top-1 there), which is not on any model
#   zoo mmengine reads; the closest available is mmpretrain's ImageNet-1k
#   MobileNetV2 1.0x (same architecture, ReLU6, 1280-wide last conv; 71.86 %
#   top-1), used here. Another file (keys under `backbone.`):
#   --cfg-options \
#       model.architecture.backbone.init_cfg.checkpoint=/ckpt/mbv2.pth
_mmpretrain = 'https://download.openmmlab.com/mmclassification/v0/'
SWIN_T_WEIGHTS = dict(
    type='Pretrained',
    prefix='backbone',
    checkpoint=_mmpretrain + 'swin-transformer/convert/'
    'swin_tiny_patch4_window7_224-160bb0a5.pth')
MOBILENET_V2_WEIGHTS = dict(
    type='Pretrained',
    prefix='backbone',
    checkpoint=_mmpretrain + 'mobilenet_v2/'
    'mobilenet_v2_batch256_imagenet_20200708-3b2dc3af.pth')


def _head(channels, dropout):
    return dict(
        type='MLDecoderHead',
        num_classes=80,
        in_channels=channels,
        embed_dims=768,
        num_heads=8,
        ffn_dims=2048,
        dropout=dropout,
        fixed_queries=True,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0))


def _swin_t_mldecoder(drop_path_rate=0.1, dropout=0.1):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='SwinTransformer',
            arch='tiny',
            img_size=224,
            drop_path_rate=drop_path_rate,
            out_indices=(3, ),
            init_cfg=SWIN_T_WEIGHTS),
        neck=None,
        head=_head(768, dropout))


swin_t_mldecoder = _swin_t_mldecoder()
# The teacher inside distillation: same weights, deterministic. mmrazor
# keeps the teacher in train mode apart from BatchNorm, which would leave
# Swin's stochastic depth and the decoder's dropout on (the reference runs
# its teacher in eval mode).
swin_t_mldecoder_teacher = _swin_t_mldecoder(drop_path_rate=0.0, dropout=0.0)

mbv2_mldecoder = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.0,
        out_indices=(7, ),
        init_cfg=MOBILENET_V2_WEIGHTS),
    neck=None,
    head=_head(1280, 0.1))
