# L2D Wide ResNet-101-2 -> Wide ResNet-50-2, both with ML-Decoder heads
# (768-wide label-wise embeddings), the distiller, recipe and initial weights
# of configs/l2d/wrn101_to_wrn50_coco.py without its dataset: MLD on the logits
# and LED on the embeddings (MLD 10 / 64, LED 1 / 64 for the global batch of
# 64; CD 100, ID 1000), adam_onecycle_80e.py (Adam 1e-4, OneCycle per
# iteration, 80 epochs, SyncBN). Dataset-free:
# configs/l2d/wrn101_to_wrn50_voc.py and wrn101_to_wrn50_nuswide.py add a
# dataset base with the L2D pipeline and set the class count and the teacher
# checkpoint.
_base_ = [
    '../models/resnet_mldecoder.py',
    '../schedules/adam_onecycle_80e.py',
    '../default_runtime.py',
    './l2d_distiller.py',
]

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.wrn50_mldecoder}},
    # Decoder dropout off: mmrazor only puts the teacher's BatchNorm in eval
    # mode (the reference runs its teacher in eval mode).
    teacher={{_base_.wrn101_mldecoder_teacher}},
    teacher_ckpt='work_dirs/teachers/wrn101_mldecoder_coco/epoch_30.pth',
    distiller={{_base_.l2d_mldecoder_distiller}},
)

# The teacher is frozen, so DDP must not wait for its gradients.
find_unused_parameters = True
# Validates the student, then the teacher (keys prefixed `teacher.`).
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
