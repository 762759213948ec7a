# Binary KD (per-class sigmoid KD, T = 4, summed over classes, averaged over
# images) from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_bkd=dict(type='BinaryKDLoss', tau=4.0,
                          reduction='batchmean', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_bkd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
            ))))
