# Distillation skeleton on MS-COCO 2014 (80 classes, 224 px): ResNet-101
# teacher -> ResNet-18 student, both GAP + linear multi-label heads, with the
# L2D recipe: L2D pipeline and inputs in [0, 1] (coco_224_l2d.py), Adam 1e-4,
# OneCycle, 80 epochs, global batch 64 on any number of GPUs, SyncBN
# (adam_onecycle_80e.py). Method configs merge a loss fragment
# (*_distiller.py) into `model.distiller`.
#
# Train the teacher first (the recipe stops it at epoch 30):
#   bash tools/dist_train.sh configs/teachers/r101_coco.py 8 \
#       --work-dir work_dirs/teachers/r101_coco
_base_ = [
    '../datasets/coco_224_l2d.py',
    '../models/resnet_multilabel.py',
    '../schedules/adam_onecycle_80e.py',
    '../default_runtime.py',
    './linear_head_distiller.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.resnet18_ml}},
    teacher={{_base_.resnet101_ml}},
    teacher_ckpt='work_dirs/teachers/r101_coco/epoch_30.pth',
    distiller={{_base_.linear_head_distiller}},
)
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
