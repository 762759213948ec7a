# Attention transfer (mmrazor ATLoss) on the last stage (7 x 7) from
# ResNet-101 to ResNet-18 on COCO 2014, L2D recipe.
#   bash tools/dist_train.sh configs/at/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/at_distiller.py',
]

model = dict(distiller={{_base_.at_distiller}})
