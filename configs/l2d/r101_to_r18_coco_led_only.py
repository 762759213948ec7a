# Ablation: L2D without MLD (label-wise embedding distillation only).
_base_ = ['./r101_to_r18_coco.py']

model = dict(
    distiller=dict(distill_losses=dict(loss_mld=dict(loss_weight=0.0))))
