# Ablation: LED with its instance-aware part only (ID, no CD, no MLD).
_base_ = ['./r101_to_r18_coco_led_only.py']

model = dict(distiller=dict(distill_losses=dict(loss_led=dict(cd_weight=0.0))))
