# CLKD from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe. Batch
# statistics are gathered across GPUs (gather=True) so the class-level and
# correlation terms see the global batch of 64, not 8 images per GPU.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=0.1))),
    distiller=dict(
        distill_losses=dict(
            loss_clkd=dict(
                type='CLKDLoss',
                instance=0.5,
                class_level=1.0,
                correlation=0.4,
                on='logits',
                gather=True,
                loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_clkd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
            ))))
