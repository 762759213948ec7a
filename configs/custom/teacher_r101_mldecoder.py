# Teacher for your own data (docs/custom_dataset.md): ResNet-101 with the
# ML-Decoder head, from torchvision's ImageNet weights, trained with the L2D
# recipe as the paper's teachers (80-epoch OneCycle stopped at epoch 30).
#   python tools/train.py configs/custom/teacher_r101_mldecoder.py \
#       --work-dir work_dirs/my_teacher
# Point `_base_` at your copy of the dataset base.
_base_ = [
    '../_base_/datasets/custom_list_224_l2d.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes={{_base_.num_classes}}))
train_cfg = dict(max_epochs=30)
