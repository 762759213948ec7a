# PKT (Passalis and Tefas, ECCV 2018) on the pooled features (recorder
# `pool`, the neck output): cosine-kernel conditional probabilities over the
# other images of the batch, KL teacher || student, averaged over images.
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.pkt_distiller}}).
#
# Weight: CRD's benchmark (Tian et al., ICLR 2020) weighs PKT 3e4 on a mean
# over the B x B pairs; on 'batchmean' (a mean over the B images) that is
# 3e4 / B, with B the recipe's global batch of 64: 470. The probabilities
# span the global batch (mmlkd gathers the features across GPUs), so the
# weight does not depend on the number of processes.
pkt_distiller = dict(
    student_recorders=dict(pool=dict(type='ModuleOutputs', source='neck')),
    teacher_recorders=dict(pool=dict(type='ModuleOutputs', source='neck')),
    distill_losses=dict(
        loss_pkt=dict(
            type='PKTLoss',
            include_self=False,
            reduction='batchmean',
            loss_weight=470.0)),
    loss_forward_mappings=dict(
        loss_pkt=dict(
            preds_S=dict(from_student=True, recorder='pool', data_idx=-1),
            preds_T=dict(from_student=False, recorder='pool', data_idx=-1),
        )),
)

# The demo's weight: x0.1 the one above (demo_weight_scale in the
# demo config), chosen by tools/benchmark/weight_sweep.py's rule on
# held-out training images (docs/quality_benchmark.md).
pkt_demo_weight_scale = 0.1
_loss_pkt = pkt_distiller['distill_losses']['loss_pkt']
pkt_demo_distiller = dict(
    pkt_distiller,
    distill_losses=dict(
        loss_pkt=dict(
            _loss_pkt,
            loss_weight=_loss_pkt['loss_weight'] * pkt_demo_weight_scale)))
