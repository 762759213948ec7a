# The L2D (ICCV 2023) training augmentation and input scaling, shared by
# coco_224_l2d.py, voc_224_l2d.py and nuswide_224_l2d.py:
# Resize(224, 224) -> Cutout (half the image side) -> RandAugment, and inputs
# in [0, 1] without mean/std normalisation. The [0, 1] scaling is done by the
# data preprocessor: mean=0 and std=255 divide the uint8 pixels by 255 (the
# reference's ToTensor()). Models trained on this must be tested with it, and
# a teacher must be trained with it to be distilled on it (teacher and student
# share the distiller's data preprocessor).
# Differences from the reference, which uses its own PIL ops: Cutout fills
# with a fixed grey (the ImageNet mean, in the loader's BGR order, as
# RandAugment's padding) instead of a random colour, and RandAugment is
# mmpretrain's (2 ops, magnitude 9 of 10, timm's increasing policies).
l2d_input_scaling = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
l2d_cutout = dict(type='Cutout', shape=112, pad_val=(104, 116, 124), prob=1.0)
l2d_randaugment = dict(
    type='RandAugment',
    policies='timm_increasing',
    num_policies=2,
    total_level=10,
    magnitude_level=9,
    magnitude_std=0.5,
    hparams=dict(pad_val=[104, 116, 124]))
# The whole training pipeline (voc_224_l2d.py adds MergeDifficultLabels).
l2d_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(224, 224)),
    l2d_cutout,
    l2d_randaugment,
    dict(type='PackInputs'),
]
