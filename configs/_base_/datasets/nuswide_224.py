# NUS-WIDE multi-label, 81 concepts, 224 x 224 px, official split
# (161,789 train / 107,859 test images in the lists; copies usually lack some
# images whose Flickr URLs died: set skip_missing=True to drop those with a
# warning). Layout under data/nus-wide/ (docs/datasets.md): Concepts81.txt,
# ImageList/{Train,Test}Imagelist.txt,
# TrainTestLabels/Labels_<c>_{Train,Test}.txt, Flickr/<folder>/<image>.jpg.
# Class order: Concepts81.txt.
dataset_type = 'NUSWIDE'
data_root = 'data/nus-wide/'
num_classes = 81

data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
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
        split='train',
        skip_missing=False,
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
        skip_missing=False,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='MultiLabelMAP')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
