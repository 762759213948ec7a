# FitNet on the embedded demo data: the student's last feature map (64
# channels, 4 x 4) through a 1x1 conv + BN to the teacher's 128 channels;
# loss block: _base_/distill/fitnet_distiller.py.
_base_ = [
    '../_base_/distill/demo_linear.py',
    '../_base_/distill/fitnet_distiller.py',
]

model = dict(distiller={{_base_.fitnet_demo_distiller}})
# The paper's distillation weight x0.1: tools/benchmark/weight_sweep.py
# (read by it; docs/quality_benchmark.md, "How the demo weights are chosen").
demo_weight_scale = 0.1
