# Partial-softmax KD (docs/methods.md §6): for each image and positive, a
# softmax over that label and the negatives; targets are the multi-hot
# inputs of the student's loss module (recorder `gt`, data_idx=1).
_base_ = ['../_base_/distill/demo_linear.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_pskd=dict(type='PartialSoftmaxKDLoss', tau=1.0,
                           loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_pskd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
                target=dict(from_student=True, recorder='gt', data_idx=1),
            ))))
