# Ablation: LED with its class-aware part only (CD, no ID, no MLD).
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_mld=dict(loss_weight=0.0), loss_led=dict(id_weight=0.0))))
