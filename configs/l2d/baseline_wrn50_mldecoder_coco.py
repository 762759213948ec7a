# Baseline for wrn101_to_wrn50_coco.py: the student,
# Wide ResNet-50-2 + ML-Decoder, trained alone on COCO 2014 with the
# student's recipe (no teacher), 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
# Initial weights: torchvision's ImageNet-1k Wide ResNet-50-2
# (torchvision://wide_resnet50_2), as the reference
# (configs/_base_/models/resnet_mldecoder.py).
#   python tools/train.py configs/l2d/baseline_wrn50_mldecoder_coco.py \
#       --work-dir work_dirs/l2d/baseline_wrn50_mldecoder_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/resnet_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.wrn50_mldecoder}}
