# Demo ablation: LED with its instance-aware part only (ID; no CD, no MLD).
_base_ = ['./demo_l2d_led_only.py']

model = dict(distiller=dict(distill_losses=dict(loss_led=dict(cd_weight=0.0))))
