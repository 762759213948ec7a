# L2D teacher: ImageNet-pretrained ResNet-101 + ML-Decoder head on COCO 2014
# (docs/methods.md §1.1, §1.4). Recipe: 224 px, batch 64, [0, 1] inputs, Adam
# 1e-4 with weight decay on weights only, OneCycle over 80 epochs stepped per
# iteration and stopped after 30 epochs as in the paper; --amp on a GPU.
#   python tools/train.py configs/teachers/r101_mldecoder_coco.py \
#       --work-dir work_dirs/teachers/r101_mldecoder_coco --amp
# The backbone starts from mmpretrain's ImageNet-1k ResNet-101 (URL in
# configs/_base_/models/resnet_mldecoder.py); use a local copy with
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/resnet101.pth
_base_ = [
    '../_base_/datasets/coco_224.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

# Inputs in [0, 1] without mean/std normalisation, as the reference; the
# students of configs/l2d/ see the same inputs.
data_preprocessor = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
train_dataloader = dict(batch_size=64)
# The OneCycle schedule keeps its 80-epoch length; training stops at 30.
train_cfg = dict(max_epochs=30)

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
