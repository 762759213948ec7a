# L2D teacher on Pascal VOC 2007 (trainval -> test, 20 classes): ResNet-101 +
# ML-Decoder, the recipe of r101_mldecoder_coco.py with "difficult" labels as
# positives (voc_224_l2d.py).
#   bash tools/dist_train.sh configs/teachers/r101_mldecoder_voc.py 8 \
#       --work-dir work_dirs/teachers/r101_mldecoder_voc --amp
_base_ = [
    '../_base_/datasets/voc_224_l2d.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=20))
train_cfg = dict(max_epochs=30)  # of the 80-epoch OneCycle, as on COCO
