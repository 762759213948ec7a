# L2D on your own data (docs/custom_dataset.md): the ResNet-101 teacher of
# teacher_r101_mldecoder.py distilled into a ResNet-18 student, both with
# ML-Decoder heads, MLD and LED at the paper's weights (MLD 10/64, LED 1/64
# for the global batch of 64, configs/_base_/distill/l2d_distiller.py), 80
# epochs of the L2D recipe. The demo configs' weights are scaled for the
# generated DemoShapes data: do not copy those.
#   python tools/train.py configs/custom/l2d_r101_to_r18.py \
#       --work-dir work_dirs/my_l2d
_base_ = [
    '../_base_/datasets/custom_list_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    architecture=dict(head=dict(num_classes={{_base_.num_classes}})),
    teacher=dict(head=dict(num_classes={{_base_.num_classes}})),
    # Written by the teacher's run above (it stops at epoch 30).
    teacher_ckpt='work_dirs/my_teacher/epoch_30.pth')
