# Pascal VOC 2007, 224 px, the L2D way: the training pipeline of
# coco_224_l2d.py (Resize, Cutout, RandAugment, inputs in [0, 1] via
# mean=0 / std=255 in the data preprocessor) and "difficult" labels counted
# as positive, in training (MergeDifficultLabels) and in evaluation
# (difficult_as_positive=True), as the L2D reference does.
_base_ = ['./voc_224.py']

data_preprocessor = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MergeDifficultLabels'),
    dict(type='Resize', scale=(224, 224)),
    dict(type='Cutout', shape=112, pad_val=(124, 116, 104), prob=1.0),
    dict(
        type='RandAugment',
        policies='timm_increasing',
        num_policies=2,
        total_level=10,
        magnitude_level=9,
        magnitude_std=0.5,
        hparams=dict(pad_val=[104, 116, 124])),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = dict(difficult_as_positive=True)
test_evaluator = val_evaluator
