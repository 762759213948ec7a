# CAMs-based distillation, ResNet-101 -> ResNet-18 on Pascal VOC 2007:
# the CAM terms of r101_to_r18_coco.py on the Pascal VOC 2007 skeleton.
_base_ = [
    '../_base_/distill/r101_r18_linear_voc.py',
    '../_base_/distill/cams_distiller.py',
]

model = dict(distiller={{_base_.cams_distiller}})
