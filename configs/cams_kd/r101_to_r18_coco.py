# CAMs-based distillation, ResNet-101 -> ResNet-18 on
# MS-COCO 2014 with the L2D recipe. Student and teacher CAMs (7 x 7 at 224 px,
# 80 channels on both sides) are pooled to 2 x 2, L2-normalised per (image,
# class) and matched with MSE (the CAT-KD form).
#   bash tools/dist_train.sh configs/cams_kd/r101_to_r18_coco.py 8
_base_ = ['../_base_/distill/cams_r101_r18_linear_coco.py']
