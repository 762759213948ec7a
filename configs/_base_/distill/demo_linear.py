# Distillation skeleton on the embedded demo data: demo ResNet teacher (width
# 16) -> demo ResNet student (width 8), linear multi-label heads. Method
# configs inherit this and fill `distill_losses` / `loss_forward_mappings`.
_base_ = [
    '../datasets/demo_shapes.py',
    '../models/demo_resnets.py',
    '../schedules/demo_adam_cosine.py',
    '../default_runtime.py',
    './linear_head_distiller.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.demo_student}},
    teacher={{_base_.demo_teacher}},
    # Written by `python tools/train.py configs/demo/teacher.py
    # --work-dir work_dirs/demo/teacher` (tools/demo.py does it).
    teacher_ckpt='work_dirs/demo/teacher/epoch_12.pth',
    distiller={{_base_.linear_head_distiller}},
)

# Validates the student, then the teacher (keys prefixed `teacher.`).
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
randomness = dict(seed=0)
