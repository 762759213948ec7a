# L2D teacher on Pascal VOC 2007 (trainval -> test, 20 classes): ResNet-101 +
# ML-Decoder, the recipe of r101_mldecoder_coco.py.
#   python tools/train.py configs/teachers/r101_mldecoder_voc.py \
#       --work-dir work_dirs/teachers/r101_mldecoder_voc --amp
_base_ = [
    '../_base_/datasets/voc_224.py',
    '../_base_/models/resnet101_mldecoder.py',
    '../_base_/schedules/adam_onecycle_80e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=20))
data_preprocessor = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
train_dataloader = dict(batch_size=64)
train_cfg = dict(max_epochs=30)

# No weight decay on any 1-D parameter: besides norms and biases this covers
# the attention's in_proj_bias, which mmengine's bias rule (name == 'bias')
# misses. The reference decays weight matrices only.
optim_wrapper = dict(paramwise_cfg=dict(flat_decay_mult=0.0))
