# MS-COCO 2014, 224 px, with the L2D (ICCV 2023) pipelines and
# inputs in [0, 1] (l2d_transforms.py): the recipe of every COCO config of
# mmlkd's model zoo, teachers and students.
_base_ = ['./coco_224.py', './l2d_transforms.py']

data_preprocessor = {{_base_.l2d_input_scaling}}
train_pipeline = {{_base_.l2d_train_pipeline}}
test_pipeline = {{_base_.l2d_test_pipeline}}
# drop_last: the L2D reference drops the last partial batch (COCO: 82,081
# images, 1,282 iterations of 64 per epoch).
train_dataloader = dict(dataset=dict(pipeline=train_pipeline), drop_last=True)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# Beside the ML-GCN family (CP..OF1 at 0.5, top-3): the L2D paper's OF1 / CF1
# (top-k with k = the image's number of true labels; CF1 the mean per-class
# F1), as multi-label/OF1_topk_gt and multi-label/CF1_topk_gt.
val_evaluator = dict(topk_gt_f1=True)
test_evaluator = val_evaluator
