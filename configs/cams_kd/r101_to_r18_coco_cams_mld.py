# CAM distillation + MLD (L2D's logit term) on MS-COCO 2014, R-101 -> R-18:
# the CAM config plus the MLD block of _base_/distill/mld_distiller.py (the
# paper's 1 : 10 ratio to the summed BCE, 10 / 64 for the global batch of 64).
_base_ = [
    '../_base_/distill/cams_r101_r18_linear_coco.py',
    '../_base_/distill/mld_distiller.py',
]

model = dict(distiller={{_base_.mld_distiller}})
