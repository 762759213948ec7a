# MS-COCO 2014, 224 px, with the L2D (ICCV 2023) training pipeline:
# Resize(224, 224) -> Cutout (half the image side) -> RandAugment, and inputs
# in [0, 1] without mean/std normalisation. The [0, 1] scaling is done by the
# data preprocessor: mean=0 and std=255 divide the uint8 pixels by 255 (the
# reference's ToTensor()). Models trained on this must be tested with it.
# Differences from the reference, which uses its own PIL ops: Cutout fills
# with a fixed grey instead of a random colour, and RandAugment is
# mmpretrain's (2 ops, magnitude 9 of 10, timm's increasing policies).
_base_ = ['./coco_224.py']

data_preprocessor = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])

train_pipeline = [
    dict(type='LoadImageFromFile'),
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
