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
# epochs (schedules/demo_adam_cosine.py): val mAP about 96 (linear head).
train_cfg = dict(max_epochs={{_base_.demo_teacher_epochs}},
                 val_interval={{_base_.demo_teacher_epochs}})
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
         end={{_base_.demo_teacher_epochs}}, eta_min=1e-5,
         convert_to_iter_based=True),
]
