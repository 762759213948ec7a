# CAMs-based distillation (methods.md §2), ResNet-101 -> ResNet-18 on
# MS-COCO 2014 with the L2D recipe. Student and teacher CAMs (7 x 7 at 224 px,
# 80 channels on both sides) are pooled to 2 x 2, L2-normalised per (image,
# class) and matched with MSE (the CAT-KD form).
#   bash tools/dist_train.sh configs/cams_kd/r101_to_r18_coco.py 8
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            cam=dict(type='CAMInputs', source='backbone', head='head')),
        teacher_recorders=dict(
            cam=dict(type='CAMInputs', source='backbone', head='head')),
        # Stateless: one connector serves both sides.
        connectors=dict(cam=dict(type='CAMConnector')),
        distill_losses=dict(
            loss_cam=dict(
                type='CAMDistillLoss',
                resolution=2,
                normalize='l2',
                classes='all',
                # Our choice (see README), to sweep on GPU: the loss is a mean
                # over B x C x r x r cells while mmpretrain's BCE sums classes.
                loss_weight=10.0)),
        loss_forward_mappings=dict(
            loss_cam=dict(
                preds_S=dict(from_student=True, recorder='cam',
                             connector='cam'),
                preds_T=dict(from_student=False, recorder='cam',
                             connector='cam')))))
