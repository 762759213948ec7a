# Baseline for the L2D table: the ResNet-18 + ML-Decoder student trained
# alone on COCO with the student's recipe (L2D pipeline, global batch 64,
# 80 epochs, no teacher).
#   python tools/train.py configs/l2d/baseline_r18_mldecoder_coco.py \
#       --work-dir work_dirs/l2d/baseline_r18_mldecoder_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/resnet_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.r18_mldecoder}}
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
