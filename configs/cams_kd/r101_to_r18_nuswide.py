# CAMs-based distillation, ResNet-101 -> ResNet-18 on NUS-WIDE:
# the CAM terms of r101_to_r18_coco.py on the NUS-WIDE skeleton.
_base_ = ['../_base_/distill/r101_r18_linear_nuswide.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            cam=dict(type='CAMInputs', source='backbone', head='head')),
        teacher_recorders=dict(
            cam=dict(type='CAMInputs', source='backbone', head='head')),
        connectors=dict(cam=dict(type='CAMConnector')),
        distill_losses=dict(
            loss_cam=dict(
                type='CAMDistillLoss',
                resolution=2,
                normalize='l2',
                classes='all',
                loss_weight=10.0)),
        loss_forward_mappings=dict(
            loss_cam=dict(
                preds_S=dict(from_student=True, recorder='cam',
                             connector='cam'),
                preds_T=dict(from_student=False, recorder='cam',
                             connector='cam')))))
