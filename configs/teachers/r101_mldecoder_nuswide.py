# L2D teacher on NUS-WIDE (81 concepts, official Train/Test lists): ResNet-101
# + ML-Decoder, the recipe of r101_mldecoder_coco.py (nuswide_224_l2d.py).
#   bash tools/dist_train.sh configs/teachers/r101_mldecoder_nuswide.py 8 \
#       --work-dir work_dirs/teachers/r101_mldecoder_nuswide --amp
_base_ = [
    '../_base_/datasets/nuswide_224_l2d.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=81))
train_cfg = dict(max_epochs=30)  # of the 80-epoch OneCycle, as on COCO
