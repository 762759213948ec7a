# Partial-softmax KD on the embedded demo data; the loss block is
# _base_/distill/partial_softmax_distiller.py, shared with the COCO config.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/partial_softmax_distiller.py',
]

model = dict(distiller={{_base_.partial_softmax_distiller}})
