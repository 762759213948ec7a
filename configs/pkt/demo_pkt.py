# PKT on the pooled features of the demo networks (64-d / 128-d); loss block
# and weight: _base_/distill/pkt_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/pkt_distiller.py',
]

model = dict(distiller={{_base_.pkt_demo_distiller}})
# The paper's distillation weight x0.1: tools/benchmark/weight_sweep.py
# (read by it; docs/quality_benchmark.md, "How the demo weights are chosen").
demo_weight_scale = 0.1
