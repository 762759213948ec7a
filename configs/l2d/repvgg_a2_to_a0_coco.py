# L2D RepVGG-A2 -> RepVGG-A0 on COCO 2014, ML-Decoder heads (a pair of the
# paper's COCO table; head widths 1408 and 1280, embeddings 768 for both).
# Differences from the reference, named:
# - Initial weights: mmpretrain's ImageNet-1k RepVGG-A2 / A0 (train-time form;
#   72.37 / 76.49 % top-1 for A0 / A2), not the official RepVGG-A2-train.pth /
#   RepVGG-A0-train.pth the reference loads from local files
#   (configs/_base_/models/repvgg_mldecoder.py says how to use those).
# - Evaluation: the reference fuses the student into its deploy form
#   (repvgg_model_convert) before evaluating; here validation runs the
#   train-time structure in eval mode, which computes the same function
#   (tests/test_models/test_l2d_zoo.py: equal to float precision). Fuse a
#   trained student for deployment with mmpretrain's
#   reparameterize_model.py converter.
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000), the paper's
# BCE_sum + 10 MLD + 1 LED divided by the global batch of 64
# (configs/_base_/distill/l2d_distiller.py). Students train 80 epochs.
# Recipe (the L2D reference's): L2D pipeline (224 px, Cutout + RandAugment,
# inputs in [0, 1], coco_224_l2d.py), global batch 64 on any number of GPUs,
# SyncBN, Adam 1e-4 with weight decay on weight matrices only, OneCycle over
# 80 epochs stepped per iteration (adam_onecycle_80e.py); --amp on a GPU.
#   bash tools/dist_train.sh configs/teachers/repvgg_a2_mldecoder_coco.py 8 \
#       --work-dir work_dirs/teachers/repvgg_a2_mldecoder_coco --amp
#   bash tools/dist_train.sh configs/l2d/repvgg_a2_to_a0_coco.py 8 \
#       --work-dir work_dirs/l2d/repvgg_a2_to_a0_coco --amp
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_repvgg_a2_a0_mldecoder.py',
]
