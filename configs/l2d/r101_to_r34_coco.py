# L2D ResNet-101 -> ResNet-34 on COCO 2014, ML-Decoder heads: the pair of
# the authors' shipped config (resnet101_to_resnet34_l2d.py of
# penghui-yang/L2D). Teacher and student start from torchvision's ImageNet
# weights (torchvision://resnet101, torchvision://resnet34), as there.
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000), the paper's
# BCE_sum + 10 MLD + 1 LED divided by the global batch of 64
# (configs/_base_/distill/l2d_distiller.py). Students train 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
#   bash tools/dist_train.sh configs/teachers/r101_mldecoder_coco.py 8 \
#       --work-dir work_dirs/teachers/r101_mldecoder_coco --amp
#   bash tools/dist_train.sh configs/l2d/r101_to_r34_coco.py 8 \
#       --work-dir work_dirs/l2d/r101_to_r34_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

# The ResNet-18 student of the skeleton made a ResNet-34 (same head width).
model = dict(
    architecture=dict(
        backbone=dict(
            depth=34,
            init_cfg=dict(
                type='Pretrained', checkpoint='torchvision://resnet34'))))
