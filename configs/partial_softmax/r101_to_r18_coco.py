# Partial-softmax KD from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe.
#   bash tools/dist_train.sh configs/partial_softmax/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/partial_softmax_distiller.py',
]

model = dict(distiller={{_base_.partial_softmax_distiller}})
