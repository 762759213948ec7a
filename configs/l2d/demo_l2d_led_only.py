# Demo ablation: L2D without MLD (label-wise embedding distillation only).
_base_ = ['../_base_/distill/demo_l2d_mldecoder.py']

model = dict(
    distiller=dict(distill_losses=dict(loss_mld=dict(loss_weight=0.0))))
