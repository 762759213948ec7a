# Distillation skeleton on Pascal VOC 2007 (20 classes, 224 px): ResNet-101
# teacher -> ResNet-18 student, GAP + linear multi-label heads, the L2D
# recipe; the same recorders as r101_r18_linear_coco.py. Method configs
# inherit this and fill `distill_losses` / `loss_forward_mappings`.
_base_ = [
    '../datasets/voc_224.py',
    '../models/resnet_multilabel_voc.py',
    '../schedules/adam_onecycle_80e.py',
    '../default_runtime.py',
    './linear_head_distiller.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.resnet18_ml}},
    teacher={{_base_.resnet101_ml}},
    # A ResNet-101 trained on Pascal VOC 2007 as configs/teachers/r101_coco.py
    # does on COCO.
    teacher_ckpt='work_dirs/teachers/r101_voc/epoch_30.pth',
    distiller={{_base_.linear_head_distiller}},
)

# 8 GPUs x 8 images = the recipe's batch of 64.
train_dataloader = dict(batch_size=8)
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
