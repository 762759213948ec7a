# Ablation: L2D without MLD (label-wise embedding distillation only).
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    distiller=dict(distill_losses=dict(loss_mld=dict(loss_weight=0.0))))
