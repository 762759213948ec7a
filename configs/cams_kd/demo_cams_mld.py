# CAM distillation + MLD (L2D's logit term) on the embedded demo data: the
# CAM config plus the MLD loss of configs/demo/mld.py (weight 10 / 64, see
# there for the batch-size scaling).
_base_ = ['./demo_cams_kd.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_mld=dict(type='MLDLoss', loss_weight=10 / 64)),
        loss_forward_mappings=dict(
            loss_mld=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))
