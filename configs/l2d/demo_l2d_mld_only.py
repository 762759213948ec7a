# Demo ablation: L2D without LED (logits distillation only).
_base_ = ['../_base_/distill/demo_l2d_mldecoder.py']

model = dict(
    distiller=dict(
        distill_losses=dict(loss_led=dict(cd_weight=0.0, id_weight=0.0))))
