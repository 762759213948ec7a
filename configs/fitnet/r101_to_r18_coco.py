# FitNet from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe: last stage,
# 512 -> 2048 channels at 7 x 7 through a 1x1 conv + BN connector; loss
# block: _base_/distill/fitnet_distiller.py.
#   bash tools/dist_train.sh configs/fitnet/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/fitnet_distiller.py',
]

model = dict(distiller={{_base_.fitnet_distiller}})
