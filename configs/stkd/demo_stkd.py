# STKD (docs/methods.md §4): STKDDistill mixes each batch once (lambda ~
# Beta(alpha, alpha), one permutation), teacher and student see the same mixed
# images, the student's BCE gets the mixed soft multi-hot targets, and
# STKDLoss distils sigmoid(z / T) per class with T^2 (summed over classes,
# averaged over images: the BCE's scale).
_base_ = ['../_base_/distill/demo_linear.py']

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
