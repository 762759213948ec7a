# L2D teacher: ImageNet-pretrained Wide ResNet-101-2 + ML-Decoder head,
# trained alone on NUS-WIDE (81 concepts, official Train/Test lists).
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], nuswide_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
# The 80-epoch OneCycle keeps its length and training stops at epoch 30, as
# the reference's teachers (stop_epoch_t = 30).
# Initial weights: torchvision's ImageNet-1k Wide ResNet-101-2
# (torchvision://wide_resnet101_2), as the reference
# (configs/_base_/models/resnet_mldecoder.py).
# Wide ResNet-101-2 is mmpretrain's ResNet with base_channels=128 and
# expansion=2, torchvision's wide_resnet101_2 key for key.
#   bash tools/dist_train.sh configs/teachers/wrn101_mldecoder_nuswide.py 8 \
#       --work-dir work_dirs/teachers/wrn101_mldecoder_nuswide --amp
_base_ = [
    '../_base_/datasets/nuswide_224_l2d.py',
    '../_base_/models/wide_resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=81))
train_cfg = dict(max_epochs=30)  # of the 80-epoch OneCycle, as on COCO
