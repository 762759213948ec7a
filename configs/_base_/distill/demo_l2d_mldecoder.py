# L2D on the embedded demo data, dataset and models included: demo teacher
# (width 16) -> demo student (width 8), both with ML-Decoder heads, MLD on
# the logits + LED on the label-wise embeddings (l2d_distiller.py, LED at
# the demo's weight scale). configs/l2d/demo_l2d.py and its ablations
# (demo_l2d_*_only.py) each add only their own loss weights.
_base_ = ['./demo_mldecoder.py', './l2d_distiller.py']

model = dict(distiller={{_base_.l2d_demo_distiller}})
demo_weight_scale = dict(loss_led={{_base_.l2d_demo_led_scale}})
