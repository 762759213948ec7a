# Demo ablation: L2D without MLD (label-wise embedding distillation only).
_base_ = ['./demo_l2d.py']

model = dict(
    distiller=dict(distill_losses=dict(loss_mld=dict(loss_weight=0.0))))
