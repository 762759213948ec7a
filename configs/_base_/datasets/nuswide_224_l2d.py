# NUS-WIDE (81 concepts, official split), 224 px, with the L2D training
# pipeline and inputs in [0, 1] (l2d_transforms.py), as coco_224_l2d.py.
_base_ = ['./nuswide_224.py', './l2d_transforms.py']

data_preprocessor = {{_base_.l2d_input_scaling}}
train_pipeline = {{_base_.l2d_train_pipeline}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
