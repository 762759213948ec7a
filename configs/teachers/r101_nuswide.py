# ResNet-101 teacher (GAP + linear head) on NUS-WIDE for the linear-head
# distillation configs on NUS-WIDE (_base_/distill/r101_r18_linear_nuswide.py):
# the recipe of r101_coco.py (nuswide_224_l2d.py).
#   bash tools/dist_train.sh configs/teachers/r101_nuswide.py 8 \
#       --work-dir work_dirs/teachers/r101_nuswide
_base_ = [
    '../_base_/datasets/nuswide_224_l2d.py',
    '../_base_/models/resnet_multilabel_nuswide.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet101_ml}}
train_cfg = dict(max_epochs=30)  # of the 80-epoch OneCycle, as on COCO
