# Attention transfer (mmrazor ATLoss) on the last stage (7 x 7) from
# ResNet-101 to ResNet-18 on COCO 2014, L2D recipe.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        distill_losses=dict(loss_at=dict(type='ATLoss', loss_weight=1000.0)),
        loss_forward_mappings=dict(
            loss_at=dict(
                s_feature=dict(from_student=True, recorder='feat',
                               data_idx=-1),
                t_feature=dict(from_student=False, recorder='feat',
                               data_idx=-1),
            ))))
