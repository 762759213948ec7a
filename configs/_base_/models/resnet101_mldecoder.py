# ResNet-101 + ML-Decoder head (80 classes; override head.num_classes), the
# L2D teacher. Defined in resnet_mldecoder.py with the students.
_base_ = ['./resnet_mldecoder.py']
model = {{_base_.r101_mldecoder}}
