# RepVGG-A2 + ML-Decoder head (80 classes; override head.num_classes),
# an L2D teacher as `model`, for the VOC 2007 / NUS-WIDE teacher configs.
# Defined, with its initial weights, in repvgg_mldecoder.py.
_base_ = ['./repvgg_mldecoder.py']
model = {{_base_.repvgg_a2_mldecoder}}
