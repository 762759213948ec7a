# L2D teacher: ImageNet-pretrained Swin-T + ML-Decoder head,
# trained alone on Pascal VOC 2007 (trainval -> test, 20 classes).
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], voc_224_l2d.py; "difficult" labels as positives in training
# and evaluation, as the reference), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
# The 80-epoch OneCycle keeps its length and training stops at epoch 30, as
# the reference's teachers (stop_epoch_t = 30).
# Initial weights: the official Swin-T release the reference loads
# (swin_tiny_patch4_window7_224.pth), in mmpretrain's conversion
# (configs/_base_/models/swin_mobilenet_mldecoder.py); stochastic depth 0.1.
#   bash tools/dist_train.sh configs/teachers/swin_t_mldecoder_voc.py 8 \
#       --work-dir work_dirs/teachers/swin_t_mldecoder_voc --amp
_base_ = [
    '../_base_/datasets/voc_224_l2d.py',
    '../_base_/models/swin_t_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=20))
train_cfg = dict(max_epochs=30)  # of the 80-epoch OneCycle, as on COCO
