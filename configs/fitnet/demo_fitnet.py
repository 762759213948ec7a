# FitNet on the embedded demo data: the student's last feature map (64
# channels, 4 x 4) through a 1x1 conv + BN to the teacher's 128 channels;
# loss block: _base_/distill/fitnet_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/fitnet_distiller.py',
]

model = dict(distiller={{_base_.fitnet_demo_distiller}})
# The scale on the paper's distillation weight, defined with the loss block
# and read by tools/benchmark/weight_sweep.py (docs/quality_benchmark.md,
# "How the demo weights are chosen").
demo_weight_scale = {{_base_.fitnet_demo_weight_scale}}
