# STKD on the embedded demo data: mixup on the distillation batch, per-class
# sigmoid KD with T = 4 (_base_/distill/stkd_distiller.py).
_base_ = ['../_base_/distill/demo_stkd_linear.py']
