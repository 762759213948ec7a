# L2D: ResNet-101 -> ResNet-18, both with ML-Decoder heads, distilled with
# MLD on the logits and LED on the label-wise embeddings (l2d_distiller.py:
# the losses and their weights, MLD 10 / 64 and LED 1 / 64 for the global
# batch of 64), L2D recipe (adam_onecycle_80e.py: Adam 1e-4, OneCycle per
# iteration, 80 epochs, global batch 64, SyncBN). Dataset-free: a config adds
# a dataset base with the L2D pipeline, e.g. configs/l2d/*.py.
_base_ = [
    '../models/resnet_mldecoder.py',
    '../schedules/adam_onecycle_80e.py',
    '../default_runtime.py',
    './l2d_distiller.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.r18_mldecoder}},
    # Dropout off: mmrazor only puts the teacher's BatchNorm in eval mode.
    teacher={{_base_.r101_mldecoder_teacher}},
    # Written by tools/train.py configs/teachers/r101_mldecoder_coco.py
    # --work-dir work_dirs/teachers/r101_mldecoder_coco (stops at epoch 30).
    teacher_ckpt='work_dirs/teachers/r101_mldecoder_coco/epoch_30.pth',
    distiller={{_base_.l2d_mldecoder_distiller}},
)

# The teacher is frozen, so DDP must not wait for its gradients.
find_unused_parameters = True
# Validates the student, then the teacher (keys prefixed `teacher.`).
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
