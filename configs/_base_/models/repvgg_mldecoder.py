# RepVGG classifiers with the ML-Decoder head of L2D: the paper's RepVGG-A2
# teacher -> RepVGG-A0 student (configs/teachers/repvgg_a2_mldecoder_coco.py,
# configs/l2d/repvgg_a2_to_a0_coco.py). The last feature map (A0: 1280
# channels, 512 x 2.5; A2: 1408, 512 x 2.75) goes to the head unpooled; the
# embedding width is 768 as for every backbone, so LEDLoss compares teacher
# and student embeddings directly.
#
# Initial weights: the reference loads DingXiaoH's official
# RepVGG-A0-train.pth / RepVGG-A2-train.pth (ImageNet-1k, 72.41 / 76.48 %
# top-1 in the RepVGG paper) from local files. They are not on mmengine's
# model zoo; the closest available are mmpretrain's ImageNet-1k RepVGG-A0 /
# A2 in train-time form (72.37 / 76.49 % top-1, keys under `backbone.`),
# used here. To start from the official files, convert them to mmpretrain's
# keys (mmpretrain's repvgg_to_mmpretrain.py converter) and set
#   --cfg-options \
#       model.backbone.init_cfg.checkpoint=/ckpt/RepVGG-A0-mmpretrain.pth
# (inside distillation: model.architecture.backbone.init_cfg.checkpoint=...).
#
# Deploy form: the reference evaluates its RepVGGs after fusing each block's
# 3x3, 1x1 and identity branches into one 3x3 conv. mmpretrain's RepVGG in
# eval mode (BatchNorm on running statistics) computes the same function in
# its train-time form, so validation and test run on the train-time
# structure: tests/test_models/test_l2d_zoo.py checks that the outputs agree
# with switch_to_deploy()'s to float precision. For deployment, fuse a
# trained student with mmpretrain's reparameterize_model.py converter.
_mmpretrain = 'https://download.openmmlab.com/mmclassification/v0/repvgg/'
REPVGG_WEIGHTS = dict(
    A0=dict(
        type='Pretrained',
        prefix='backbone',
        checkpoint=_mmpretrain + 'repvgg-A0_8xb32_in1k_20221213-60ae8e23.pth'),
    A2=dict(
        type='Pretrained',
        prefix='backbone',
        checkpoint=_mmpretrain + 'repvgg-A2_8xb32_in1k_20221213-a8767caf.pth'),
)


def _repvgg_mldecoder(arch, channels, dropout=0.1):
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='RepVGG',
            arch=arch,
            out_indices=(3, ),
            init_cfg=REPVGG_WEIGHTS[arch]),
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
            loss=dict(
                type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)))


repvgg_a0_mldecoder = _repvgg_mldecoder('A0', 1280)
repvgg_a2_mldecoder = _repvgg_mldecoder('A2', 1408)
# The teacher inside distillation: same weights, decoder dropout off
# (mmrazor puts only the teacher's BatchNorm in eval mode).
repvgg_a2_mldecoder_teacher = _repvgg_mldecoder('A2', 1408, dropout=0.0)
