# L2D ResNet-101 -> ResNet-34 on Pascal VOC 2007 (20 classes): the
# reference's default pair (configs/l2d/r101_to_r34_coco.py) with the recipe
# and loss weights of r101_to_r18_coco.py,
# "difficult" labels as positives (voc_224_l2d.py, as the L2D reference).
# Skeleton: configs/_base_/distill/l2d_r101_r18_mldecoder.py, whose
# ResNet-18 student becomes a ResNet-34 from torchvision's ImageNet weights
# (torchvision://resnet34, as the reference).
#   bash tools/dist_train.sh configs/teachers/r101_mldecoder_voc.py 8 \
#       --work-dir work_dirs/teachers/r101_mldecoder_voc --amp
#   bash tools/dist_train.sh configs/l2d/r101_to_r34_voc.py 8 \
#       --work-dir work_dirs/l2d/r101_to_r34_voc --amp
_base_ = [
    '../_base_/datasets/voc_224_l2d.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

model = dict(
    architecture=dict(
        backbone=dict(
            depth=34,
            init_cfg=dict(
                type='Pretrained', checkpoint='torchvision://resnet34')),
        head=dict(num_classes=20)),
    teacher=dict(head=dict(num_classes=20)),
    teacher_ckpt='work_dirs/teachers/r101_mldecoder_voc/epoch_30.pth')
