# Pascal VOC 2007, 224 px, the L2D way: the L2D training pipeline and inputs
# in [0, 1] (l2d_transforms.py), and "difficult" labels counted as positive,
# in training (MergeDifficultLabels) and in evaluation
# (difficult_as_positive=True), as the L2D reference does.
_base_ = ['./voc_224.py', './l2d_transforms.py']

data_preprocessor = {{_base_.l2d_input_scaling}}

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MergeDifficultLabels'),
    dict(type='Resize', scale=(224, 224)),
    {{_base_.l2d_cutout}},
    {{_base_.l2d_randaugment}},
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_evaluator = dict(difficult_as_positive=True)
test_evaluator = val_evaluator
