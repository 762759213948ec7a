# Relational KD (Park et al., CVPR 2019): mmrazor's distance- and angle-wise
# terms (their default weights 25 and 50) on the pooled features (recorder
# `pool`, the neck output), whose widths may differ. mmlkd's RKDLoss computes
# both on the global batch (it gathers the features across GPUs), so 1, 2 or
# 8 GPUs give the same loss and gradients.
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.rkd_distiller}}).
rkd_distiller = dict(
    student_recorders=dict(pool=dict(type='ModuleOutputs', source='neck')),
    teacher_recorders=dict(pool=dict(type='ModuleOutputs', source='neck')),
    distill_losses=dict(
        loss_rkd=dict(type='RKDLoss', distance_weight=25.0,
                      angle_weight=50.0)),
    loss_forward_mappings=dict(
        loss_rkd=dict(
            preds_S=dict(from_student=True, recorder='pool', data_idx=-1),
            preds_T=dict(from_student=False, recorder='pool', data_idx=-1)), ),
)
