# PKT (Passalis and Tefas, ECCV 2018) on the pooled features (neck output):
# cosine-kernel conditional probabilities over the other images of the batch,
# KL teacher || student, averaged over images.
_base_ = ['../_base_/distill/demo_linear.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            pool=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(
            pool=dict(type='ModuleOutputs', source='neck')),
        # CRD's benchmark (Tian et al., ICLR 2020) weighs PKT 3e4 on a mean
        # over the B x B pairs; on 'batchmean' at B = 64 that is 3e4 / 64.
        distill_losses=dict(
            loss_pkt=dict(type='PKTLoss', include_self=False,
                          reduction='batchmean', loss_weight=470.0)),
        loss_forward_mappings=dict(
            loss_pkt=dict(
                preds_S=dict(from_student=True, recorder='pool',
                             data_idx=-1),
                preds_T=dict(from_student=False, recorder='pool',
                             data_idx=-1)),
        )))
