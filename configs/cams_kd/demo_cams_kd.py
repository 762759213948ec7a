# CAMs-based distillation on the embedded demo data.
# The student's class activation maps (last feature map x classifier weight,
# read live by the CAMInputs recorder) are matched to the teacher's after
# pooling both to 2 x 2 and L2-normalising each (image, class) map, the
# CAT-KD form. Student 4 x 4 maps, teacher 4 x 4: only the channel widths
# differ, and CAMs have C = 16 channels on both sides.
_base_ = ['../_base_/distill/demo_cams_linear.py']
