# Partial-softmax KD: for each image and positive label, a softmax over that
# label and the negatives; the multi-hot targets are the inputs of the
# student's loss module (recorder `gt`, data_idx=1).
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.partial_softmax_distiller}}).
partial_softmax_distiller = dict(
    distill_losses=dict(
        loss_pskd=dict(type='PartialSoftmaxKDLoss', tau=1.0, loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_pskd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
            target=dict(from_student=True, recorder='gt', data_idx=1),
        )),
)
