# Baseline for swin_t_to_mbv2_coco.py: the student,
# MobileNetV2 + ML-Decoder, trained alone on COCO 2014 with the
# student's recipe (no teacher), 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
# Initial weights: mmpretrain's ImageNet-1k MobileNetV2 1.0x, not the
# reference's d-li14 mobilenetv2_1.0-f2a8633 file
# (configs/_base_/models/swin_mobilenet_mldecoder.py).
#   python tools/train.py configs/l2d/baseline_mbv2_mldecoder_coco.py \
#       --work-dir work_dirs/l2d/baseline_mbv2_mldecoder_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/swin_mobilenet_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.mbv2_mldecoder}}

pair_reference_differences = [
    'initial weights: mmpretrain\'s ImageNet MobileNetV2 1.0x, not the '
    'reference\'s mobilenetv2_1.0-f2a8633 file (in no model zoo mmengine '
    'reads)',
]
