# Classifiers for the embedded demo data (32 x 32 px, 16 classes).
# The teacher is a CIFAR-style ResNet-18 of width 16 (0.70 M parameters), the
# student the same depth at width 8 (0.18 M): 1/4 of the teacher's parameters
# and compute, the ratio of the papers' ResNet-101 -> ResNet-18 pairs.
#
# Initialisation: PyTorch's default for every layer (`init_cfg=None`, no
# zero-initialised residual branches) instead of mmpretrain's defaults
# (Kaiming fan-out normal convolutions, zeroed last BatchNorm of each block,
# classifier N(0, 0.01)). Adam moves every weight by about the learning rate
# whatever its size, so the initial scale sets how far the demo's 564 steps
# get. Student alone, seed 0, same data and schedule, val mAP: mmpretrain's
# defaults 40.2 (val BCE 4.7, against 6.6 for predicting the label
# frequencies), only the classifier at N(0, 0.01) 56.1, only the backbone at
# Kaiming fan-out 59.4 (40.2 with zeroed blocks), PyTorch's defaults 80.9.
demo_backbone_init = dict(init_cfg=None, zero_init_residual=False)
demo_teacher = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        **demo_backbone_init),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=16,
        in_channels=128,
        init_cfg=None,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    ),
)
demo_student = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(3, ),
        **demo_backbone_init),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=16,
        in_channels=64,
        init_cfg=None,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    ),
)
