# Vanilla KD (softmax over the 80 classes, T = 4) from ResNet-101 to
# ResNet-18 on COCO 2014, L2D recipe.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
            ))))
