# The L2D (ICCV 2023) data pipelines and input scaling, shared by
# coco_224_l2d.py, voc_224_l2d.py and nuswide_224_l2d.py. They reproduce the
# reference's torchvision / PIL pipelines pixel for pixel (same seeds, same
# image: tests/test_datasets/test_l2d_transforms.py):
#   train: Image.open().convert('RGB') -> Resize((224, 224)) ->
#          CutoutPIL(cutout_factor=0.5) -> RandAugment() (PyPI randaugment
#          1.0.2) -> ToTensor()
#   test:  Image.open().convert('RGB') -> Resize((224, 224)) -> ToTensor()
# Images are decoded with PIL and stay RGB (LoadImagePIL), so the data
# preprocessor must not swap channels (to_rgb=False); mean=0 and std=255
# divide the uint8 pixels by 255, which is the reference's ToTensor(). Models
# trained on this must be tested with it, and a teacher must be trained with
# it to be distilled on it (teacher and student share the distiller's data
# preprocessor).
# Differences from the reference: none in the ops, their draws or pixels
# (with the same Pillow; the reference pinned Pillow 9.2, whose JPEG decoder
# and filters may differ in the last bit). Only the random streams differ:
# mmengine seeds python's random and np.random in each dataloader worker from
# the run's seed, while the reference (torch 1.8.1, 8 workers re-forked each
# epoch) re-seeds only python's random, so its np.random draws (cutout
# positions) repeat in every worker and epoch. The draws' distribution is
# the same; which image gets which draw is not.
l2d_input_scaling = dict(
    mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0], to_rgb=False)
l2d_load = dict(type='LoadImagePIL')  # PIL decode, RGB, truncated files ok
l2d_resize = dict(type='PILResize', scale=(224, 224))  # PIL bilinear
l2d_cutout = dict(type='CutoutPIL', cutout_factor=0.5)
l2d_randaugment = dict(type='RandAugmentPIL')  # randaugment 1.0.2's
# The whole pipelines (voc_224_l2d.py adds MergeDifficultLabels to training
# and VOC's meta_keys to testing).
l2d_train_pipeline = [
    l2d_load,
    l2d_resize,
    l2d_cutout,
    l2d_randaugment,
    dict(type='PackInputs'),
]
l2d_test_pipeline = [
    l2d_load,
    l2d_resize,
    dict(type='PackInputs'),
]
