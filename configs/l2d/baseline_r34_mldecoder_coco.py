# Baseline for r101_to_r34_coco.py: ResNet-34 + ML-Decoder trained alone.
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/resnet_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.r34_mldecoder}}
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
