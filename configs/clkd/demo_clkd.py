# CLKD on the embedded demo data: the task (BCE) weight 0.1 and the loss
# block of _base_/distill/clkd_distiller.py, shared with the COCO config.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/clkd_distiller.py',
]

model = {{_base_.clkd_demo_model}}
# The paper's distillation weight x0.001: tools/benchmark/weight_sweep.py
# (read by it; docs/quality_benchmark.md, "How the demo weights are chosen").
demo_weight_scale = 0.001
