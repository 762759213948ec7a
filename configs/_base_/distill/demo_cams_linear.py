# CAMs-based distillation on the embedded demo data, dataset and models
# included (demo_linear.py; the loss block: cams_distiller.py).
# configs/cams_kd/demo_cams_kd.py uses it as is, demo_cams_mld.py adds MLD.
_base_ = ['./demo_linear.py', './cams_distiller.py']

model = dict(distiller={{_base_.cams_distiller}})
