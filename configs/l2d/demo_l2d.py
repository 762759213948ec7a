# L2D on the embedded demo data: demo teacher (width 16) -> demo student
# (width 4), both with ML-Decoder heads; MLD on the logits + LED on the
# label-wise embeddings. Train the teacher first:
#   python tools/train.py configs/demo/teacher_mldecoder.py \
#       --work-dir work_dirs/demo/teacher_mldecoder
#   python tools/train.py configs/l2d/demo_l2d.py --work-dir work_dirs/demo/l2d
# Baseline: configs/demo/student_mldecoder.py.
#
# Loss weights: the paper's BCE_sum + 10 MLD + 1 LED divided by the batch
# (64, as the demo loader), since mmpretrain's BCE is a mean over images:
# MLD 10/64, LED 1/64 with CD 100 and ID 1000 inside.
_base_ = ['../_base_/distill/demo_mldecoder.py']

batch_size = 64
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_mld=dict(type='MLDLoss', loss_weight=10 / batch_size),
            loss_led=dict(
                type='LEDLoss',
                cd_weight=100.0,
                id_weight=1000.0,
                loss_weight=1 / batch_size),
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
        )))
train_dataloader = dict(batch_size=batch_size)
