# Pascal VOC 2007, 224 px, the L2D way: the L2D pipelines and inputs
# in [0, 1] (l2d_transforms.py), and "difficult" labels counted as positive,
# in training (MergeDifficultLabels) and in evaluation
# (difficult_as_positive=True), as the L2D reference does.
_base_ = ['./voc_224.py', './l2d_transforms.py']

data_preprocessor = {{_base_.l2d_input_scaling}}

train_pipeline = [
    {{_base_.l2d_load}},
    dict(type='MergeDifficultLabels'),
    {{_base_.l2d_resize}},
    {{_base_.l2d_cutout}},
    {{_base_.l2d_randaugment}},
    dict(type='PackInputs'),
]
test_pipeline = [  # voc_224.py's meta_keys pack gt_label_difficult
    {{_base_.l2d_load}},
    {{_base_.l2d_resize}},
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
# drop_last: the L2D reference drops the last partial batch (VOC trainval:
# 5,011 images, 78 iterations of 64 per epoch).
train_dataloader = dict(dataset=dict(pipeline=train_pipeline), drop_last=True)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# Beside the ML-GCN family (CP..OF1 at 0.5, top-3): the L2D paper's OF1 / CF1
# (top-k with k = the image's number of true labels; CF1 the mean per-class
# F1), as multi-label/OF1_topk_gt and multi-label/CF1_topk_gt.
val_evaluator = dict(difficult_as_positive=True, topk_gt_f1=True)
test_evaluator = val_evaluator
