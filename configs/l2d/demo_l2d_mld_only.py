# Demo ablation: L2D without LED (logits distillation only).
_base_ = ['./demo_l2d.py']

model = dict(
    distiller=dict(
        distill_losses=dict(loss_led=dict(cd_weight=0.0, id_weight=0.0))))
