# L2D headline run: ResNet-101 -> ResNet-18, ML-Decoder heads, COCO 2014,
# L2D pipeline (224 px, Cutout + RandAugment, inputs in [0, 1]), global batch
# 64 on any number of GPUs, Adam 1e-4, OneCycle, 80 epochs.
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000): the paper's
# BCE_sum + 10 MLD + 1 LED divided by the global batch
# (_base_/distill/l2d_distiller.py).
#   bash tools/dist_train.sh configs/l2d/r101_to_r18_coco.py 8 --amp
#   python tools/train.py configs/l2d/r101_to_r18_coco.py --amp   # one GPU
# The teacher comes from configs/teachers/r101_mldecoder_coco.py.
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]
