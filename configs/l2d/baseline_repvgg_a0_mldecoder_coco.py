# Baseline for repvgg_a2_to_a0_coco.py: the student,
# RepVGG-A0 + ML-Decoder, trained alone on COCO 2014 with the
# student's recipe (no teacher), 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
# Initial weights: mmpretrain's ImageNet-1k RepVGG-A0, not the reference's
# official RepVGG-A0-train.pth (configs/_base_/models/repvgg_mldecoder.py).
# Evaluated in the train-time form in eval mode, equal to the deploy form.
#   python tools/train.py configs/l2d/baseline_repvgg_a0_mldecoder_coco.py \
#       --work-dir work_dirs/l2d/baseline_repvgg_a0_mldecoder_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/repvgg_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.repvgg_a0_mldecoder}}

pair_reference_differences = [
    'initial weights: mmpretrain\'s ImageNet RepVGG-A0, not the official '
    'RepVGG-A0-train.pth the reference loads',
    'evaluation: the train-time RepVGG in eval mode, not the fused deploy '
    'form; the same function to float precision (tests/test_models/'
    'test_l2d_zoo.py)',
]
