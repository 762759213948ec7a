# Ablation: LED with its instance-aware part only (ID, no CD, no MLD).
_base_ = [
    '../_base_/datasets/coco_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_mld=dict(loss_weight=0.0), loss_led=dict(cd_weight=0.0))))
