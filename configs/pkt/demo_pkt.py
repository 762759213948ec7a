# PKT on the pooled features of the demo networks (64-d / 128-d); loss block
# and weight: _base_/distill/pkt_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/pkt_distiller.py',
]

model = dict(distiller={{_base_.pkt_distiller}})
