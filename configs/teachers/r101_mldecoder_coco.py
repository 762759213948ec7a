# L2D teacher: ImageNet-pretrained ResNet-101 + ML-Decoder head on COCO 2014.
# Recipe: the L2D pipeline (224 px, Cutout + RandAugment, inputs in [0, 1],
# coco_224_l2d.py), global batch 64, Adam 1e-4 with weight decay on weights
# only, OneCycle over 80 epochs stepped per iteration and stopped after 30
# epochs as in the paper; --amp on a GPU.
#   bash tools/dist_train.sh configs/teachers/r101_mldecoder_coco.py 8 \
#       --work-dir work_dirs/teachers/r101_mldecoder_coco --amp
# The backbone starts from torchvision's ImageNet-1k ResNet-101
# (torchvision://resnet101), as the reference; mmpretrain's weights and the
# file names are in configs/_base_/models/resnet_mldecoder.py. A local copy:
#   --cfg-options \
#       model.backbone.init_cfg.checkpoint=/path/to/resnet101-63fe2227.pth
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

# The OneCycle schedule keeps its 80-epoch length; training stops at 30.
train_cfg = dict(max_epochs=30)
