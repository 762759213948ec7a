# Demo ablation: LED with its class-aware part only (CD; no ID, no MLD).
_base_ = ['../_base_/distill/demo_l2d_mldecoder.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_mld=dict(loss_weight=0.0), loss_led=dict(id_weight=0.0))))
