# Attention transfer (mmrazor ATLoss) on the last stage (4 x 4) of the demo
# networks; loss block: _base_/distill/at_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/at_distiller.py',
]

model = dict(distiller={{_base_.at_distiller}})
