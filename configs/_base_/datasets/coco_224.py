# MS-COCO 2014 multi-label classification, 80 classes, 224 x 224 px.
# Layout (docs/datasets.md):
#   data/coco/annotations/instances_{train,val}2014.json
#   data/coco/{train,val}2014/*.jpg
# Labels = categories present in an image; images without any annotation are
# dropped (82,081 train / 40,137 val images). Class order: COCO category id
# (person, bicycle, ...). Every COCO config of mmlkd uses the same order, so
# teachers and students agree; class_order='alphabetical' reproduces the L2D
# reference's order (e.g. to load its checkpoints).
dataset_type = 'CocoMultiLabel'
data_root = 'data/coco/'
num_classes = 80

data_preprocessor = dict(
    # Scoped so it also builds inside mmrazor algorithms.
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],  # ImageNet RGB mean / std
    std=[58.395, 57.12, 57.375],
    to_rgb=True,  # images are loaded as BGR
    to_onehot=True,  # multi-hot targets for the sigmoid losses
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    # Whole image squashed to a square, as ML-GCN / ASL / L2D: a crop could
    # cut labelled objects out.
    dict(type='Resize', scale=(224, 224)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224)),
    dict(type='PackInputs'),
]

# No train batch_size here: the recipe's `global_batch_size` (schedules/)
# is split over the processes by tools/train.py.
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014/'),
        class_order='id',
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
        ann_file='annotations/instances_val2014.json',
        data_prefix=dict(img_path='val2014/'),
        class_order='id',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='MultiLabelMAP')  # mAP, CP..OF1 at 0.5, top-3
test_dataloader = val_dataloader
test_evaluator = val_evaluator
