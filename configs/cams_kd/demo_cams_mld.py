# CAM distillation + MLD (L2D's logit term) on the embedded demo data: the
# CAM config plus the MLD block of _base_/distill/mld_distiller.py (weight
# 10 / 64, written for the global batch).
_base_ = [
    '../_base_/distill/demo_cams_linear.py',
    '../_base_/distill/mld_distiller.py',
]

model = dict(distiller={{_base_.mld_distiller}})
