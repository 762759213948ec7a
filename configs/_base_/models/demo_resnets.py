# Classifiers for the embedded demo data (32 x 32 px, 16 classes).
# The teacher is a CIFAR-style ResNet-18 of width 16, the student the same
# depth at width 4 (1/16 of the teacher's parameters and compute), so there is
# a clear capacity gap for distillation to close in a few CPU minutes.
demo_teacher = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16,
                  base_channels=16, num_stages=4, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=16,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    ),
)
demo_student = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=4,
                  base_channels=4, num_stages=4, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=16,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    ),
)
