# Relational KD (distance + angle, mmrazor losses) on the pooled 512-d /
# 2048-d features, ResNet-101 -> ResNet-18 on COCO 2014, L2D recipe.
#   bash tools/dist_train.sh configs/rkd/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/rkd_distiller.py',
]

model = dict(distiller={{_base_.rkd_distiller}})
