# Vanilla KD (Hinton et al. 2015) on multi-label logits: softmax over the
# classes with temperature T = 4, mmrazor's KLDivergence. Its 'batchmean' KL
# sums over classes and averages over images, the scale of mmpretrain's
# sigmoid BCE, so a weight of 1 balances the two.
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.kd_distiller}}).
kd_distiller = dict(
    distill_losses=dict(
        loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_kd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
        )),
)
