# Ablation: LED with its class-aware part only (CD, no ID, no MLD).
_base_ = ['./r101_to_r18_coco_led_only.py']

model = dict(distiller=dict(distill_losses=dict(loss_led=dict(id_weight=0.0))))
