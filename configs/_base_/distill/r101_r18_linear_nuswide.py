# Distillation skeleton on NUS-WIDE (81 classes, 224 px): ResNet-101 teacher
# -> ResNet-18 student, GAP + linear multi-label heads, the L2D recipe
# (nuswide_224_l2d.py); the same recorders as r101_r18_linear_coco.py.
# Method configs merge a loss fragment (*_distiller.py) into
# `model.distiller`.
_base_ = [
    '../datasets/nuswide_224_l2d.py',
    '../models/resnet_multilabel_nuswide.py',
    '../schedules/adam_onecycle_80e.py',
    '../default_runtime.py',
    './linear_head_distiller.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.resnet18_ml}},
    teacher={{_base_.resnet101_ml}},
    # A ResNet-101 trained on NUS-WIDE as configs/teachers/r101_coco.py
    # does on COCO.
    teacher_ckpt='work_dirs/teachers/r101_nuswide/epoch_30.pth',
    distiller={{_base_.linear_head_distiller}},
)
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
