# CLKD on the embedded demo data: the task (BCE) weight 0.1 and the loss
# block of _base_/distill/clkd_distiller.py, shared with the COCO config.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/clkd_distiller.py',
]

model = {{_base_.clkd_demo_model}}
# The scale on the paper's distillation weight, defined with the loss block
# and read by tools/benchmark/weight_sweep.py (docs/quality_benchmark.md,
# "How the demo weights are chosen").
demo_weight_scale = {{_base_.clkd_demo_weight_scale}}
