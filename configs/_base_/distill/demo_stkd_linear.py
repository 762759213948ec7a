# STKD on the embedded demo data, dataset and models included
# (demo_linear.py; the algorithm and loss block: stkd_distiller.py).
# configs/stkd/demo_stkd.py uses it as is, demo_stkd_teacher_target.py
# changes the teacher's input.
_base_ = ['./demo_linear.py', './stkd_distiller.py']

model = {{_base_.stkd_model}}
