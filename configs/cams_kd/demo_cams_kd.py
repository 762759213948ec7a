# CAMs-based distillation (methods.md §2) on the embedded demo data.
# The student's class activation maps (last feature map x classifier weight,
# read live by the CAMInputs recorder) are matched to the teacher's after
# pooling both to 2 x 2 and L2-normalising each (image, class) map, the
# CAT-KD form. Student 4 x 4 maps, teacher 4 x 4: only the channel widths
# differ, and CAMs have C = 16 channels on both sides.
_base_ = ['../_base_/distill/demo_linear.py']

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
                # Measured with the trained demo teacher and a fresh student
                # (batch 64): the student gradient norm is 7.9 from the BCE
                # and 1.5 from the unweighted CAM loss; 10 makes the CAM term
                # about twice the BCE at the start, less as BCE shrinks later.
                loss_weight=10.0)),
        loss_forward_mappings=dict(
            loss_cam=dict(
                preds_S=dict(from_student=True, recorder='cam',
                             connector='cam'),
                preds_T=dict(from_student=False, recorder='cam',
                             connector='cam')))))
