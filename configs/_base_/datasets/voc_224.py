# Pascal VOC 2007 multi-label, 20 classes, 224 x 224 px: train on trainval
# (5,011 images), test on test (4,952), with mmpretrain's VOC dataset.
# Layout: data/VOC2007/{JPEGImages,Annotations,ImageSets/Main}
# (docs/datasets.md).
#
# "Difficult" policy (stated here on purpose):
# - training: a class seen only on difficult objects is NOT in gt_label
#   (mmpretrain's VOC), so it trains as a negative;
# - evaluation: such a class is ignored for that image (target -1), the VOC
#   convention: MultiLabelMAP(difficult_as_positive=None), which needs
#   `gt_label_difficult` packed into the data samples (test_pipeline).
# voc_224_l2d.py counts difficult labels as positive in both, as the L2D
# reference does.
dataset_type = 'VOC'
data_root = 'data/VOC2007/'
num_classes = 20

data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)

meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction', 'gt_label_difficult')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224)),
    dict(type='PackInputs', meta_keys=meta_keys),
]

# No train batch_size here: the recipe's `global_batch_size` (schedules/)
# is split over the processes by tools/train.py.
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='trainval',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        test_mode=True,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='MultiLabelMAP', difficult_as_positive=None)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
