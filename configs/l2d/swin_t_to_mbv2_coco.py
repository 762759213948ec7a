# L2D Swin-T -> MobileNetV2 on COCO 2014, ML-Decoder heads (a
# transformer-to-CNN pair of the paper's COCO table; head widths 768 and
# 1280, embeddings 768 for both). Inside distillation the teacher runs
# without stochastic depth and dropout (swin_t_mldecoder_teacher), as the
# reference's teacher in eval mode.
# Initial weights: Swin-T from the official release the reference loads
# (mmpretrain's conversion of swin_tiny_patch4_window7_224.pth); MobileNetV2
# from mmpretrain's ImageNet-1k MobileNetV2 1.0x (71.86 % top-1), not the
# reference's d-li14 mobilenetv2_1.0-f2a8633 file, which no model zoo
# mmengine reads holds (configs/_base_/models/swin_mobilenet_mldecoder.py).
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000), the paper's
# BCE_sum + 10 MLD + 1 LED divided by the global batch of 64
# (configs/_base_/distill/l2d_distiller.py). Students train 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
#   bash tools/dist_train.sh configs/teachers/swin_t_mldecoder_coco.py 8 \
#       --work-dir work_dirs/teachers/swin_t_mldecoder_coco --amp
#   bash tools/dist_train.sh configs/l2d/swin_t_to_mbv2_coco.py 8 \
#       --work-dir work_dirs/l2d/swin_t_to_mbv2_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_swin_t_mbv2_mldecoder.py',
]
