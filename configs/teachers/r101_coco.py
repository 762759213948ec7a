# ResNet-101 teacher (GAP + linear multi-label head) on MS-COCO 2014,
# from torchvision's ImageNet weights (torchvision://resnet101, as the L2D
# reference), L2D recipe: L2D pipeline and inputs in [0, 1]
# (coco_224_l2d.py, the inputs its students distil on), global batch 64.
# Used by the linear-head distillation configs (CAM-KD, CLKD, STKD, the KD
# baselines):
#   bash tools/dist_train.sh configs/teachers/r101_coco.py 8 \
#       --work-dir work_dirs/teachers/r101_coco
# The students read work_dirs/teachers/r101_coco/epoch_30.pth (the last
# epoch, as the L2D reference); override with model.teacher_ckpt=PATH.
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/models/resnet_multilabel.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet101_ml}}
# The L2D reference stops the 80-epoch teacher schedule at epoch 30.
train_cfg = dict(max_epochs=30)
