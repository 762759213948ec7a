# STKD from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe (mixup on the
# distillation batch, per-class sigmoid KD with T = 4).
#   bash tools/dist_train.sh configs/stkd/r101_to_r18_coco.py 8
_base_ = [
    '../_base_/distill/r101_r18_linear_coco.py',
    '../_base_/distill/stkd_distiller.py',
]

model = {{_base_.stkd_model}}
