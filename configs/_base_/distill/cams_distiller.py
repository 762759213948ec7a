# The CAM-distillation part of a linear-head distiller (the method: see
# configs/cams_kd/README.md), shared by configs/cams_kd/*: the CAMInputs
# recorder reads the last feature map and the live classifier weight, the
# stateless CAMConnector (one for both sides) makes B x C x H x W CAMs, and
# CAMDistillLoss pools them to 2 x 2, L2-normalises each (image, class) map
# and matches them with MSE (CAT-KD).
# Merge it into a skeleton's distiller:
#   model = dict(distiller={{_base_.cams_distiller}}).
cams_distiller = dict(
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
            # Our choice, to sweep on GPU. On the demo (trained teacher, fresh
            # student, batch 64) the student gradient norm is 7.9 from the BCE
            # and 1.5 from the unweighted CAM loss; 10 makes the CAM term about
            # twice the BCE at the start. The loss is a mean over B x C x r x r
            # cells while mmpretrain's BCE sums over classes.
            loss_weight=10.0)),
    loss_forward_mappings=dict(
        loss_cam=dict(
            preds_S=dict(from_student=True, recorder='cam', connector='cam'),
            preds_T=dict(from_student=False, recorder='cam',
                         connector='cam'))),
)
