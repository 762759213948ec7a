# Binary KD: per-class sigmoid KD with temperature T = 4.
# reduction='batchmean' sums over classes and averages over images, the scale
# of mmpretrain's sigmoid BCE (BinaryKDLoss's own default, 'mean', would be
# num_classes times smaller).
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.binary_kd_distiller}}).
binary_kd_distiller = dict(
    distill_losses=dict(
        loss_bkd=dict(
            type='BinaryKDLoss',
            tau=4.0,
            reduction='batchmean',
            loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_bkd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
        )),
)

# The demo's weight: x0.1 the one above (demo_weight_scale in the
# demo config), chosen by tools/benchmark/weight_sweep.py's rule on
# held-out training images (docs/quality_benchmark.md).
binary_kd_demo_weight_scale = 0.1
_loss_bkd = binary_kd_distiller['distill_losses']['loss_bkd']
binary_kd_demo_distiller = dict(
    binary_kd_distiller,
    distill_losses=dict(
        loss_bkd=dict(
            _loss_bkd,
            loss_weight=(_loss_bkd['loss_weight'] *
                         binary_kd_demo_weight_scale))))
