# NUS-WIDE (81 concepts, official split), 224 px, with the L2D
# pipelines and inputs in [0, 1] (l2d_transforms.py), as coco_224_l2d.py.
_base_ = ['./nuswide_224.py', './l2d_transforms.py']

data_preprocessor = {{_base_.l2d_input_scaling}}
train_pipeline = {{_base_.l2d_train_pipeline}}
test_pipeline = {{_base_.l2d_test_pipeline}}
# drop_last: the L2D reference drops the last partial batch (NUS-WIDE: 64
# images a step, floor(N / 64) iterations per epoch on one process).
train_dataloader = dict(dataset=dict(pipeline=train_pipeline), drop_last=True)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# Beside the ML-GCN family (CP..OF1 at 0.5, top-3): the L2D paper's OF1 / CF1
# (top-k with k = the image's number of true labels; CF1 the mean per-class
# F1), as multi-label/OF1_topk_gt and multi-label/CF1_topk_gt.
val_evaluator = dict(topk_gt_f1=True)
test_evaluator = val_evaluator
