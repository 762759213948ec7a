# Demo teacher: trained alone on the embedded data (tools/demo.py runs it).
_base_ = [
    '../_base_/datasets/demo_shapes.py',
    '../_base_/models/demo_resnets.py',
    '../_base_/schedules/demo_adam_cosine.py',
    '../_base_/default_runtime.py',
]
# The Runner hands the dataset's top-level `data_preprocessor` to the model.
model = {{_base_.demo_teacher}}
randomness = dict(seed=0)

# Trained once and reused by every distillation run, so twice the students'
# epochs (schedules/demo_adam_cosine.py).
train_cfg = {{_base_.demo_teacher_train_cfg}}
param_scheduler = {{_base_.demo_teacher_param_scheduler}}
