# Binary KD: per-class sigmoid KD with temperature T = 4.
# reduction='batchmean' sums over classes and averages over images, the scale
# of mmpretrain's sigmoid BCE (BinaryKDLoss's own default, 'mean', would be
# num_classes times smaller).
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.binary_kd_distiller}}).
binary_kd_distiller = dict(
    distill_losses=dict(
        loss_bkd=dict(type='BinaryKDLoss', tau=4.0, reduction='batchmean',
                      loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_bkd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
        )),
)
