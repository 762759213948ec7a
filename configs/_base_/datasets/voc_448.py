# Pascal VOC 2007 multi-label, 448 x 448 px; otherwise as voc_224.py
# (same "difficult" policy: negative in training, ignored in evaluation).
_base_ = ['./voc_224.py']

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448)),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
# The training batch is the recipe's global_batch_size (schedules/).
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
