# The student alone on your own data (docs/custom_dataset.md): ResNet-18 with
# the ML-Decoder head, from torchvision's ImageNet weights, 80 epochs of the
# L2D recipe. Train it to see what distillation adds; it is also the config of
# a student extracted from l2d_r101_to_r18.py's checkpoints (tools/test.py,
# tools/inference.py, tools/deployment/pytorch2onnx.py).
#   python tools/train.py configs/custom/baseline_r18_mldecoder.py \
#       --work-dir work_dirs/my_student_alone
_base_ = [
    '../_base_/datasets/custom_list_224_l2d.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

# The ResNet-101 classifier of the base made a ResNet-18 (the student of
# l2d_r101_to_r18.py, key for key).
model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    head=dict(in_channels=512, num_classes={{_base_.num_classes}}))
