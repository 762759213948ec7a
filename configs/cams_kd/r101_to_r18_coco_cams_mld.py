# CAM distillation + MLD (L2D's logit term) on MS-COCO 2014, R-101 -> R-18.
# MLD keeps the paper's 1 : 10 ratio to the summed BCE; mmpretrain's BCE is
# divided by the batch, so MLD's weight is 10 / 64 (the recipe's batch).
_base_ = ['./r101_to_r18_coco.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_mld=dict(type='MLDLoss', loss_weight=10 / 64)),
        loss_forward_mappings=dict(
            loss_mld=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))
