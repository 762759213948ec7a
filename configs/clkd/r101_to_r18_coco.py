# CLKD from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe: task weight
# 0.1 and the loss block of _base_/distill/clkd_distiller.py. Its batch
# statistics span the global batch of 64 on any number of GPUs.
#   bash tools/dist_train.sh configs/clkd/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/clkd_distiller.py',
]

model = {{_base_.clkd_model}}
