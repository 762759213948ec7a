# Binary KD (per-class sigmoid KD, T = 4) on the embedded demo data; the loss
# block is _base_/distill/binary_kd_distiller.py, shared with the COCO config.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/binary_kd_distiller.py',
]

model = dict(distiller={{_base_.binary_kd_demo_distiller}})
# The paper's distillation weight x0.1: tools/benchmark/weight_sweep.py
# (read by it; docs/quality_benchmark.md, "How the demo weights are chosen").
demo_weight_scale = 0.1
