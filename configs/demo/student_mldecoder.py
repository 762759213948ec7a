# Demo student with an ML-Decoder head trained without a teacher: the
# baseline for configs/l2d/demo_l2d.py.
_base_ = [
    '../_base_/datasets/demo_shapes.py',
    '../_base_/models/demo_resnets_mldecoder.py',
    '../_base_/schedules/demo_adam_cosine.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.demo_student_mldecoder}}
randomness = dict(seed=0)

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
