# Distillation skeleton on the embedded demo data: demo ResNet teacher (width
# 16) -> demo ResNet student (width 4), linear multi-label heads. Method
# configs inherit this and fill `distill_losses` / `loss_forward_mappings`.
_base_ = [
    '../datasets/demo_shapes.py',
    '../models/demo_resnets.py',
    '../schedules/demo_adam_cosine.py',
    '../default_runtime.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.demo_student}},
    teacher={{_base_.demo_teacher}},
    # Written by `python tools/train.py configs/demo/teacher.py
    # --work-dir work_dirs/demo/teacher` (tools/demo.py does it).
    teacher_ckpt='work_dirs/demo/teacher/epoch_12.pth',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc'),
            gt=dict(type='ModuleInputs', source='head.loss_module'),
            feat=dict(type='ModuleOutputs', source='backbone'),
        ),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc'),
            feat=dict(type='ModuleOutputs', source='backbone'),
        ),
        distill_losses=dict(),
        loss_forward_mappings=dict(),
    ),
)

# Teacher parameters are frozen; connectors unused by a method stay idle.
find_unused_parameters = True
# Validates the student, then the teacher (keys prefixed `teacher.`).
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
randomness = dict(seed=0)
