# FitNet (Romero et al., ICLR 2015): the student's last feature map, through
# a 1x1 conv + BN connector to the teacher's width, regresses the teacher's
# (mmrazor L2Loss, per-image L2-normalised features, as mmrazor's FitNet).
# Demo widths: student 32, teacher 128 channels, both 4 x 4.
_base_ = ['../_base_/distill/demo_linear.py']

model = dict(
    distiller=dict(
        connectors=dict(
            fitnet_s=dict(type='ConvModuleConnector', in_channel=32,
                          out_channel=128, norm_cfg=dict(type='BN'),
                          act_cfg=None)),
        distill_losses=dict(
            loss_fitnet=dict(type='L2Loss', normalize=True,
                             loss_weight=10.0)),
        loss_forward_mappings=dict(
            loss_fitnet=dict(
                s_feature=dict(from_student=True, recorder='feat',
                               data_idx=-1, connector='fitnet_s'),
                t_feature=dict(from_student=False, recorder='feat',
                               data_idx=-1),
            ))))
