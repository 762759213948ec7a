# L2D ResNet-101 -> ResNet-34 on COCO: the pair shipped with the paper's
# code. Same teacher and recipe as r101_to_r18_coco.py.
_base_ = ['./r101_to_r18_coco.py']

model = dict(architecture={{_base_.r34_mldecoder}})
