# Baseline for r101_to_r34_coco.py: ResNet-34 + ML-Decoder trained alone.
_base_ = ['./baseline_r18_mldecoder_coco.py']

model = {{_base_.r34_mldecoder}}
