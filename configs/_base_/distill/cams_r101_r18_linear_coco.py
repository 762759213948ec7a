# CAMs-based distillation, ResNet-101 -> ResNet-18 on COCO 2014 with the L2D
# recipe, dataset and models included (r101_r18_linear_coco.py; the loss
# block: cams_distiller.py). configs/cams_kd/r101_to_r18_coco.py uses it as
# is, r101_to_r18_coco_cams_mld.py adds MLD.
_base_ = ['./r101_r18_linear_coco.py', './cams_distiller.py']

model = dict(distiller={{_base_.cams_distiller}})
