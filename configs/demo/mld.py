# MLD (L2D's logit term) on the embedded demo data, the distillation of
# `make demo` (tools/demo.py runs it on 2 CPU processes, 32 images each of the
# global batch of 64). Loss block and weight (10 / 64):
# _base_/distill/mld_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/mld_distiller.py',
]

model = dict(distiller={{_base_.mld_distiller}})
