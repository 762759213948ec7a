# Relational KD (Park et al., CVPR 2019) with mmrazor's distance- and
# angle-wise losses (their default weights 25 and 50) on the pooled features
# (recorder `pool`, the neck output), whose widths may differ.
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.rkd_distiller}}).
# mmrazor's losses relate the images of one process: with 8 GPUs each sees
# 8 of the global 64.
rkd_distiller = dict(
    student_recorders=dict(pool=dict(type='ModuleOutputs', source='neck')),
    teacher_recorders=dict(pool=dict(type='ModuleOutputs', source='neck')),
    distill_losses=dict(
        loss_rkd_d=dict(type='DistanceWiseRKD', loss_weight=25.0),
        loss_rkd_a=dict(type='AngleWiseRKD', loss_weight=50.0)),
    loss_forward_mappings=dict(
        loss_rkd_d=dict(
            preds_S=dict(from_student=True, recorder='pool', data_idx=-1),
            preds_T=dict(from_student=False, recorder='pool', data_idx=-1)),
        loss_rkd_a=dict(
            preds_S=dict(from_student=True, recorder='pool', data_idx=-1),
            preds_T=dict(from_student=False, recorder='pool', data_idx=-1)),
    ),
)
