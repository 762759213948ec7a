# PKT on the pooled 512-d / 2048-d features, ResNet-101 -> ResNet-18 on
# COCO 2014, L2D recipe. The weight (470 = 3e4 / 64) is written for the
# global batch of 64: see _base_/distill/pkt_distiller.py.
#   bash tools/dist_train.sh configs/pkt/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/pkt_distiller.py',
]

model = dict(distiller={{_base_.pkt_distiller}})
