# L2D ResNet-101 -> ResNet-18 on Pascal VOC 2007 (20 classes), recipe and
# loss weights of r101_to_r18_coco.py, "difficult" labels as positives
# (voc_224_l2d.py, as the L2D reference).
# The teacher comes from configs/teachers/r101_mldecoder_voc.py.
_base_ = [
    '../_base_/datasets/voc_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    architecture=dict(head=dict(num_classes=20)),
    teacher=dict(head=dict(num_classes=20)),
    teacher_ckpt='work_dirs/teachers/r101_mldecoder_voc/epoch_30.pth')
