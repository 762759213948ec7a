# L2D ResNet-50 -> ResNet-18 on COCO 2014, ML-Decoder heads (a pair of the
# paper's COCO table). Teacher and student start from torchvision's ImageNet
# weights (torchvision://resnet50, torchvision://resnet18), as the reference.
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000), the paper's
# BCE_sum + 10 MLD + 1 LED divided by the global batch of 64
# (configs/_base_/distill/l2d_distiller.py). Students train 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
#   bash tools/dist_train.sh configs/teachers/r50_mldecoder_coco.py 8 \
#       --work-dir work_dirs/teachers/r50_mldecoder_coco --amp
#   bash tools/dist_train.sh configs/l2d/r50_to_r18_coco.py 8 \
#       --work-dir work_dirs/l2d/r50_to_r18_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r50_r18_mldecoder.py',
]
