# Demo student trained without a teacher: the baseline distillation must beat.
_base_ = [
    '../_base_/datasets/demo_shapes.py',
    '../_base_/models/demo_resnets.py',
    '../_base_/schedules/demo_adam_cosine.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.demo_student}}
randomness = dict(seed=0)
