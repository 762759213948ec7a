# Relational KD (distance + angle, mmrazor losses) on the pooled features of
# the demo networks; loss block: _base_/distill/rkd_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/rkd_distiller.py',
]

model = dict(distiller={{_base_.rkd_distiller}})
