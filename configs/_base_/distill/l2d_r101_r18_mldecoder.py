# L2D (docs/methods.md §1): R-101 -> R-18, both with ML-Decoder heads,
# distilled with MLD on the logits and LED on the label-wise embeddings, L2D
# recipe (Adam 1e-4, OneCycle per iteration, 80 epochs). Dataset-free: a
# config adds a dataset base (and its num_classes), e.g. configs/l2d/*.py.
_base_ = [
    '../models/resnet_mldecoder.py',
    '../schedules/adam_onecycle_80e.py',
    '../default_runtime.py',
]

# Loss weights. The paper minimises
#     L = BCE_sum + 10 * L_MLD + 1 * L_LED
# with BCE summed over all B x C cells. mmpretrain's sigmoid BCE divides that
# sum by the batch size B, so the distillation weights are divided by B too
# (B = 64, the recipe's batch, trained in one process as the reference):
#     MLD 10 / 64 ; LED 1 / 64 (inside LED: CD 100, ID 1000).
# With the batch split over G processes, MLD stays 10 / 64 (it is a mean over
# images, like the BCE) but LED becomes 1 / (64 / G), and CD sets then only
# span one process's images; see configs/l2d/README.md.
batch_size = 64
mld_weight = 10 / batch_size
led_weight = 1 / batch_size

model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture={{_base_.r18_mldecoder}},
    # Dropout off: mmrazor only puts the teacher's BatchNorm in eval mode.
    teacher={{_base_.r101_mldecoder_teacher}},
    # Written by tools/train.py configs/teachers/r101_mldecoder_coco.py
    # --work-dir work_dirs/teachers/r101_mldecoder_coco (stops at epoch 30).
    teacher_ckpt='work_dirs/teachers/r101_mldecoder_coco/epoch_30.pth',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc'),
            emb=dict(type='ModuleOutputs', source='head.decoder'),
            # Inputs of head.loss_module are (logits, multi-hot targets).
            gt=dict(type='ModuleInputs', source='head.loss_module'),
        ),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc'),
            emb=dict(type='ModuleOutputs', source='head.decoder'),
        ),
        distill_losses=dict(
            loss_mld=dict(type='MLDLoss', loss_weight=mld_weight),
            loss_led=dict(
                type='LEDLoss',
                cd_weight=100.0,
                id_weight=1000.0,
                loss_weight=led_weight),
        ),
        loss_forward_mappings=dict(
            loss_mld=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
            ),
            loss_led=dict(
                preds_S=dict(from_student=True, recorder='emb'),
                preds_T=dict(from_student=False, recorder='emb'),
                target=dict(from_student=True, recorder='gt', data_idx=1),
            ),
        ),
    ),
)

# The teacher is frozen, so DDP must not wait for its gradients.
find_unused_parameters = True
# Validates the student, then the teacher (keys prefixed `teacher.`).
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
