# MLD (L2D's logit term, docs/methods.md §1.2) on the embedded demo data.
# The paper weighs the summed BCE 1 : MLD 10. mmpretrain's sigmoid BCE is
# divided by the batch size, so MLD's weight is scaled by 1/64 (the paper's
# batch) to keep that ratio: 10 / 64.
_base_ = ['../_base_/distill/demo_linear.py']

model = dict(
    distiller=dict(
        distill_losses=dict(loss_mld=dict(type='MLDLoss', loss_weight=10 / 64)),
        loss_forward_mappings=dict(
            loss_mld=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'),
            ))))
