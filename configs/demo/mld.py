# MLD (L2D's logit term) on the embedded demo data, the distillation of
# `make demo` (tools/demo.py runs it on 2 CPU processes, 32 images each of the
# global batch of 64). Loss block and weight (10 / 64, the paper's; x100 here):
# _base_/distill/mld_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/mld_distiller.py',
]

model = dict(distiller={{_base_.mld_demo_distiller}})
# The scale on the paper's distillation weight, defined with the loss block
# and read by tools/benchmark/weight_sweep.py (docs/quality_benchmark.md,
# "How the demo weights are chosen").
demo_weight_scale = {{_base_.mld_demo_weight_scale}}
