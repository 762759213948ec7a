# Relational KD (distance + angle, mmrazor losses) on the pooled 512-d /
# 2048-d features, ResNet-101 -> ResNet-18 on COCO 2014, L2D recipe.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            pool=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(
            pool=dict(type='ModuleOutputs', source='neck')),
        distill_losses=dict(
            loss_rkd_d=dict(type='DistanceWiseRKD', loss_weight=25.0),
            loss_rkd_a=dict(type='AngleWiseRKD', loss_weight=50.0)),
        loss_forward_mappings=dict(
            loss_rkd_d=dict(
                preds_S=dict(from_student=True, recorder='pool',
                             data_idx=-1),
                preds_T=dict(from_student=False, recorder='pool',
                             data_idx=-1)),
            loss_rkd_a=dict(
                preds_S=dict(from_student=True, recorder='pool',
                             data_idx=-1),
                preds_T=dict(from_student=False, recorder='pool',
                             data_idx=-1)),
        )))
