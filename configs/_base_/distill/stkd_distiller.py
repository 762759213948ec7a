# STKD: STKDDistill mixes each batch once (lambda ~ Beta(alpha, alpha), one
# permutation, drawn per process), teacher and student see the same mixed
# images, the student's BCE gets the mixed soft multi-hot targets, and
# STKDLoss distils sigmoid(z / T) per class with T = 4 and T^2 (summed over
# classes, averaged over images: the BCE's scale). It sets the algorithm
# too, so it merges into the whole model: model = {{_base_.stkd_model}}
stkd_model = dict(type='STKDDistill', alpha=1.0, teacher_input='mixed')
stkd_model['distiller'] = dict(
    distill_losses=dict(
        loss_stkd=dict(
            type='STKDLoss', tau=4.0, mode='multilabel', loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_stkd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
        )),
)
