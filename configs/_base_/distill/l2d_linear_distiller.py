# L2D on linear heads: L2D's losses (l2d_distiller.py: MLD on the logits,
# LED with CD 100 / ID 1000, weights 10/64 and 1/64 against the global batch
# of 64) with LED fed by label-wise embeddings that LabelEmbeddingConnector
# pools from each network's last feature map with its own class activation
# maps (the CAMInputs recorder hands over the feature map and the live
# classifier weight). A config takes each entry by key and adds the two
# connectors `emb_s` / `emb_t`, whose widths depend on the backbones
# (configs/l2d/demo_l2d_linear.py, configs/l2d/r101_to_r18_coco_linear.py).
_base_ = ['./l2d_distiller.py']

l2d_linear_distiller = dict(
    student_recorders=dict(
        emb=dict(type='CAMInputs', source='backbone', head='head')),
    teacher_recorders=dict(
        emb=dict(type='CAMInputs', source='backbone', head='head')),
    distill_losses={{_base_.l2d_distiller.distill_losses}},
    loss_forward_mappings=dict(
        loss_mld={{_base_.l2d_distiller.loss_forward_mappings.loss_mld}},
        loss_led=dict(
            preds_S=dict(from_student=True, recorder='emb', connector='emb_s'),
            preds_T=dict(
                from_student=False, recorder='emb', connector='emb_t'),
            target=dict(from_student=True, recorder='gt', data_idx=1))),
)
