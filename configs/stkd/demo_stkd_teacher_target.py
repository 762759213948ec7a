# STKD, teacher-target variant: the teacher sees the clean
# batch and its target is lambda * p_t(x) + (1 - lambda) * p_t(x[perm]);
# lambda and perm reach STKDLoss through a MethodOutputs recorder on
# STKDDistill.mixup_params.
_base_ = ['../_base_/distill/demo_stkd_linear.py']

model = dict(
    teacher_input='clean',
    distiller=dict(
        student_recorders=dict(
            mix=dict(
                type='MethodOutputs',
                source='mmlkd.models.algorithms.stkd_distill.STKDDistill.'
                'mixup_params')),
        loss_forward_mappings=dict(
            loss_stkd=dict(
                mix_lambda=dict(from_student=True, recorder='mix', data_idx=0),
                mix_perm=dict(from_student=True, recorder='mix', data_idx=1),
            ))))
