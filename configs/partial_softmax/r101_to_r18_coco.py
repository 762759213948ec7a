# Partial-softmax KD from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_pskd=dict(type='PartialSoftmaxKDLoss', tau=1.0,
                           loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_pskd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
                target=dict(from_student=True, recorder='gt', data_idx=1),
            ))))
