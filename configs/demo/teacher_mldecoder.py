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
# epochs (schedules/demo_adam_cosine.py).
train_cfg = {{_base_.demo_teacher_train_cfg}}
param_scheduler = {{_base_.demo_teacher_param_scheduler}}
