# L2D ResNet-101 -> ResNet-18 on NUS-WIDE (81 concepts), recipe and loss
# weights of r101_to_r18_coco.py (nuswide_224_l2d.py).
# The teacher comes from configs/teachers/r101_mldecoder_nuswide.py.
_base_ = [
    '../_base_/datasets/nuswide_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    architecture=dict(head=dict(num_classes=81)),
    teacher=dict(head=dict(num_classes=81)),
    teacher_ckpt='work_dirs/teachers/r101_mldecoder_nuswide/epoch_30.pth')
