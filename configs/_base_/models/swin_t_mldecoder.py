# Swin-T + ML-Decoder head (80 classes; override head.num_classes),
# an L2D teacher as `model`, for the VOC 2007 / NUS-WIDE teacher configs.
# Defined, with its initial weights, in swin_mobilenet_mldecoder.py.
_base_ = ['./swin_mobilenet_mldecoder.py']
model = {{_base_.swin_t_mldecoder}}
