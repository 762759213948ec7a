# STKD from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe (mixup on the
# distillation batch, per-class sigmoid KD with T = 4).
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    type='STKDDistill',
    alpha=1.0,
    teacher_input='mixed',
    distiller=dict(
        distill_losses=dict(
            loss_stkd=dict(type='STKDLoss', tau=4.0, mode='multilabel',
                           loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_stkd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
            ))))
