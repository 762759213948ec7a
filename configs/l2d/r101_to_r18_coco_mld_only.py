# Ablation: L2D without LED (logits distillation only).
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    distiller=dict(
        distill_losses=dict(loss_led=dict(cd_weight=0.0, id_weight=0.0))))
