# Demo teacher with an ML-Decoder head (for configs/l2d/demo_l2d.py): the demo
# teacher backbone of teacher.py, trained alone on the embedded data.
#   python tools/train.py configs/demo/teacher_mldecoder.py \
#       --work-dir work_dirs/demo/teacher_mldecoder
_base_ = [
    '../_base_/datasets/demo_shapes.py',
    '../_base_/models/demo_resnets_mldecoder.py',
    '../_base_/schedules/demo_adam_cosine.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.demo_teacher_mldecoder}}
randomness = dict(seed=0)

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))

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
