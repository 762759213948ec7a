# L2D headline run: ResNet-101 -> ResNet-18, ML-Decoder heads, COCO 2014,
# 224 px, batch 64 in one process, inputs in [0, 1], 80 epochs.
# Loss: BCE + MLD (10/64) + LED (1/64; CD 100, ID 1000): the paper's
# BCE_sum + 10 MLD + 1 LED divided by the batch (see the skeleton).
#   python tools/train.py configs/l2d/r101_to_r18_coco.py \
#       --work-dir work_dirs/l2d/r101_to_r18_coco --amp
# The teacher comes from configs/teachers/r101_mldecoder_coco.py.
_base_ = [
    '../_base_/datasets/coco_224.py',
    '../_base_/distill/l2d_r101_r18_mldecoder.py',
]

data_preprocessor = dict(mean=[0.0, 0.0, 0.0], std=[255.0, 255.0, 255.0])
train_dataloader = dict(batch_size=64)
