# Embedded demo data: 16 classes of coloured shapes, generated in memory from a
# seed (mmlkd.datasets.DemoShapes), 3000 train / 1000 val images of 32 x 32 px.
dataset_type = 'DemoShapes'
num_classes = 16
data_preprocessor = dict(
    # Scoped so it also builds inside mmrazor algorithms.
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[127.5, 127.5, 127.5],
    std=[64.0, 64.0, 64.0],
    # DemoShapes yields BGR arrays, as LoadImageFromFile yields a file: the
    # model sees RGB, and mmpretrain's inferencer (files read as BGR) agrees.
    to_rgb=True,
    to_onehot=True,  # multi-hot targets for the sigmoid losses
)
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

# No train batch_size here: the recipe's `global_batch_size` (schedules/)
# is split over the processes by tools/train.py. In-memory data: no workers,
# hence no persistent_workers.
train_dataloader = dict(
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        split='train',
        num_images=3000,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=250,
    num_workers=0,
    dataset=dict(
        type=dataset_type,
        split='val',
        num_images=1000,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='MultiLabelMAP')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
