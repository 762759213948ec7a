# Binary KD (per-class sigmoid KD, T = 4) on the embedded demo data; the loss
# block is _base_/distill/binary_kd_distiller.py, shared with the COCO config.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/binary_kd_distiller.py',
]

model = dict(distiller={{_base_.binary_kd_demo_distiller}})
# The scale on the paper's distillation weight, defined with the loss block
# and read by tools/benchmark/weight_sweep.py (docs/quality_benchmark.md,
# "How the demo weights are chosen").
demo_weight_scale = {{_base_.binary_kd_demo_weight_scale}}
