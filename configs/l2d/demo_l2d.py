# L2D on the embedded demo data: demo teacher (width 16) -> demo student
# (width 8), both with ML-Decoder heads; MLD on the logits + LED on the
# label-wise embeddings, the loss block and weights of the COCO recipe
# (_base_/distill/l2d_distiller.py: MLD 10 / 64, LED 1 / 64 with CD 100 and
# ID 1000, for the global batch of 64). Train the teacher first:
#   python tools/train.py configs/demo/teacher_mldecoder.py \
#       --work-dir work_dirs/demo/teacher_mldecoder
#   python tools/train.py configs/l2d/demo_l2d.py --work-dir work_dirs/demo/l2d
# or on 2 CPU processes (32 images each, the same global batch):
#   bash tools/dist_train.sh configs/l2d/demo_l2d.py 2
# Baseline: configs/demo/student_mldecoder.py.
_base_ = ['../_base_/distill/demo_l2d_mldecoder.py']
