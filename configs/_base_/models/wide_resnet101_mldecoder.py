# Wide ResNet-101-2 + ML-Decoder head (80 classes; override head.num_classes),
# an L2D teacher as `model`, for the VOC 2007 / NUS-WIDE teacher configs.
# Defined, with its initial weights, in resnet_mldecoder.py.
_base_ = ['./resnet_mldecoder.py']
model = {{_base_.wrn101_mldecoder}}
