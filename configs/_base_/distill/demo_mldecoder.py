# Distillation skeleton for L2D on the embedded demo data: the demo teacher
# (width 16) -> demo student (width 8) of demo_linear.py, both with ML-Decoder
# heads. On top of demo_linear.py's recorders (`fc` = logits at head.fc,
# `gt` = inputs of head.loss_module) it records `emb` = the label-wise
# embeddings B x C x E at head.decoder. Method configs fill the losses.
_base_ = ['./demo_linear.py', '../models/demo_resnets_mldecoder.py']

model = dict(
    architecture={{_base_.demo_student_mldecoder}},
    # Dropout off: mmrazor only puts the teacher's BatchNorm in eval mode.
    teacher={{_base_.demo_teacher_mldecoder_frozen}},
    # Written by `python tools/train.py configs/demo/teacher_mldecoder.py
    # --work-dir work_dirs/demo/teacher_mldecoder`.
    teacher_ckpt='work_dirs/demo/teacher_mldecoder/epoch_12.pth',
    distiller=dict(
        student_recorders=dict(
            emb=dict(type='ModuleOutputs', source='head.decoder')),
        teacher_recorders=dict(
            emb=dict(type='ModuleOutputs', source='head.decoder')),
    ),
)

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
