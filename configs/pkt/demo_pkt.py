# PKT on the pooled features of the demo networks (64-d / 128-d); loss block
# and weight: _base_/distill/pkt_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/pkt_distiller.py',
]

model = dict(distiller={{_base_.pkt_demo_distiller}})
# The scale on the paper's distillation weight, defined with the loss block
# and read by tools/benchmark/weight_sweep.py (docs/quality_benchmark.md,
# "How the demo weights are chosen").
demo_weight_scale = {{_base_.pkt_demo_weight_scale}}
