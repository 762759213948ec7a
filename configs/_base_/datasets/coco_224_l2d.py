# MS-COCO 2014, 224 px, with the L2D (ICCV 2023) training pipeline and
# inputs in [0, 1] (l2d_transforms.py): the recipe of every COCO config of
# mmlkd's model zoo, teachers and students.
_base_ = ['./coco_224.py', './l2d_transforms.py']

data_preprocessor = {{_base_.l2d_input_scaling}}
train_pipeline = {{_base_.l2d_train_pipeline}}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
