# MLD, L2D's logit term: per-class binary KL between teacher and student
# sigmoid scores on the logits (recorder `fc`). Merge it into a skeleton's
# distiller: model = dict(distiller={{_base_.mld_distiller}}).
#
# Weight: the paper minimises BCE_sum + 10 * MLD, the BCE summed over the
# B x C cells of the batch. mmpretrain's sigmoid BCE is that sum divided by
# the batch B, so MLD (a mean over images, like the BCE) keeps the ratio with
# 10 / B, B being the recipe's global batch of 64. It never depends on the
# number of processes.
mld_distiller = dict(
    distill_losses=dict(loss_mld=dict(type='MLDLoss', loss_weight=10 / 64)),
    loss_forward_mappings=dict(
        loss_mld=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc'),
        )),
)

# The demo's weight: x100 the one above (demo_weight_scale in the
# demo config), chosen by tools/benchmark/weight_sweep.py's rule on
# held-out training images (docs/quality_benchmark.md).
mld_demo_weight_scale = 100.0
_loss_mld = mld_distiller['distill_losses']['loss_mld']
mld_demo_distiller = dict(
    mld_distiller,
    distill_losses=dict(
        loss_mld=dict(
            _loss_mld,
            loss_weight=_loss_mld['loss_weight'] * mld_demo_weight_scale)))
