# FitNet from ResNet-101 to ResNet-18 on COCO 2014, L2D recipe: last stage,
# 512 -> 2048 channels at 7 x 7 through a 1x1 conv + BN connector.
_base_ = ['../_base_/distill/r101_r18_linear_coco.py']

model = dict(
    distiller=dict(
        connectors=dict(
            fitnet_s=dict(type='ConvModuleConnector', in_channel=512,
                          out_channel=2048, norm_cfg=dict(type='BN'),
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
