# L2D Wide ResNet-101-2 -> Wide ResNet-50-2 on COCO 2014, ML-Decoder heads
# (a pair of the paper's COCO table). Both start from torchvision's ImageNet
# weights (torchvision://wide_resnet101_2, torchvision://wide_resnet50_2), the
# reference's files; mmpretrain's ResNet with base_channels=128, expansion=2
# is torchvision's Wide ResNet key for key.
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000), the paper's
# BCE_sum + 10 MLD + 1 LED divided by the global batch of 64
# (configs/_base_/distill/l2d_distiller.py). Students train 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
#   bash tools/dist_train.sh configs/teachers/wrn101_mldecoder_coco.py 8 \
#       --work-dir work_dirs/teachers/wrn101_mldecoder_coco --amp
#   bash tools/dist_train.sh configs/l2d/wrn101_to_wrn50_coco.py 8 \
#       --work-dir work_dirs/l2d/wrn101_to_wrn50_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_wrn101_wrn50_mldecoder.py',
]
