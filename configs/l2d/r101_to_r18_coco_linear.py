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
# and ID 1000 inside. LEDLoss sums over sets drawn from the images one
# process sees, so with the batch split over 8 processes its sets are smaller
# and its gradient about 1/8 of a one-process run's (see the L2D README).
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            emb=dict(type='CAMInputs', source='backbone', head='head')),
        teacher_recorders=dict(
            emb=dict(type='CAMInputs', source='backbone', head='head')),
        connectors=dict(
            # tau = 1 is our choice, to sweep on GPU.
            emb_s=dict(type='LabelEmbeddingConnector', tau=1.0,
                       in_channels=512, out_channels=2048),
            emb_t=dict(type='LabelEmbeddingConnector', tau=1.0)),
        distill_losses=dict(
            loss_mld=dict(type='MLDLoss', loss_weight=10 / 64),
            loss_led=dict(type='LEDLoss', cd_weight=100.0, id_weight=1000.0,
                          loss_weight=1 / 64)),
        loss_forward_mappings=dict(
            loss_mld=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')),
            loss_led=dict(
                preds_S=dict(from_student=True, recorder='emb',
                             connector='emb_s'),
                preds_T=dict(from_student=False, recorder='emb',
                             connector='emb_t'),
                target=dict(from_student=True, recorder='gt', data_idx=1)))))
