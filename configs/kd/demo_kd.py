# Vanilla KD (softmax over the classes, T = 4) on the embedded demo data; the
# loss block is _base_/distill/kd_distiller.py, shared with the COCO config.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/kd_distiller.py',
]

model = dict(distiller={{_base_.kd_distiller}})
