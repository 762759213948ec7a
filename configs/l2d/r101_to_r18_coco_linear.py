# L2D on linear heads: ResNet-101 -> ResNet-18 on COCO 2014 (224 px), both
# GAP + linear multi-label heads (mmpretrain's MultiLabelLinearClsHead), no
# ML-Decoder. MLD on the logits as in L2D; LED on label-wise embeddings that
# LabelEmbeddingConnector pools from each network's last feature map with its
# own class activation maps (CAMInputs recorder: feature map and live
# classifier weight). The student's 512-wide embeddings are projected to the
# teacher's 2048 by a learnable Linear inside its connector.
#   bash tools/dist_train.sh configs/teachers/r101_coco.py 8 \
#       --work-dir work_dirs/teachers/r101_coco
#   bash tools/dist_train.sh configs/l2d/r101_to_r18_coco_linear.py 8 \
#       --work-dir work_dirs/l2d/r101_to_r18_coco_linear
# The faithful L2D reproduction (ML-Decoder heads) is r101_to_r18_coco.py.
#
# Loss weights: L2D's, written against the global batch of 64 (the paper's
# BCE_sum + 10 MLD + 1 LED divided by 64): MLD 10/64, LED 1/64 with CD 100
# and ID 1000 inside. LEDLoss gathers the embeddings across processes, so its
# sets span the global batch on 1, 2 or 8 GPUs alike.
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/l2d_linear_distiller.py',
]

model = dict(
    distiller=dict(
        student_recorders={{_base_.l2d_linear_distiller.student_recorders}},
        teacher_recorders={{_base_.l2d_linear_distiller.teacher_recorders}},
        connectors=dict(
            # tau = 1 is our choice, to sweep on GPU.
            emb_s=dict(
                type='LabelEmbeddingConnector',
                tau=1.0,
                in_channels=512,
                out_channels=2048),
            emb_t=dict(type='LabelEmbeddingConnector', tau=1.0)),
        distill_losses={{_base_.l2d_linear_distiller.distill_losses}},
        loss_forward_mappings={{
            _base_.l2d_linear_distiller.loss_forward_mappings
        }}))
