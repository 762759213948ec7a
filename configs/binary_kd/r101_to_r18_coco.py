# Binary KD (per-class sigmoid KD, T = 4, summed over classes, averaged over
# images) from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe.
#   bash tools/dist_train.sh configs/binary_kd/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/binary_kd_distiller.py',
]

model = dict(distiller={{_base_.binary_kd_distiller}})
