# Vanilla KD (softmax over the 80 classes, T = 4) from ResNet-101 to
# ResNet-18 on COCO 2014, L2D recipe; loss block: kd_distiller.py.
#   bash tools/dist_train.sh configs/kd/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/kd_distiller.py',
]

model = dict(distiller={{_base_.kd_distiller}})
