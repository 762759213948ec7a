# ResNet-101 teacher (GAP + linear head) on Pascal VOC 2007 for the linear-head
# distillation configs on VOC (_base_/distill/r101_r18_linear_voc.py): the
# recipe of r101_coco.py, "difficult" labels as positives (voc_224_l2d.py).
#   bash tools/dist_train.sh configs/teachers/r101_voc.py 8 \
#       --work-dir work_dirs/teachers/r101_voc
_base_ = [
    '../_base_/datasets/voc_224_l2d.py',
    '../_base_/models/resnet_multilabel_voc.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet101_ml}}
train_cfg = dict(max_epochs=30)  # of the 80-epoch OneCycle, as on COCO
