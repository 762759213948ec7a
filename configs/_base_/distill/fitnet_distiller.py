# FitNet (Romero et al., ICLR 2015): the student's last feature map (recorder
# `feat`), through a 1x1 conv + BN connector (`fitnet_s`) to the teacher's
# width, regresses the teacher's with mmrazor's L2Loss on per-image
# L2-normalised features (as mmrazor's FitNet). The connector's widths depend
# on the pair, hence one distiller part per pair, same losses:
#   model = dict(distiller={{_base_.fitnet_distiller}})       # R-18 -> R-101
#   model = dict(distiller={{_base_.fitnet_demo_distiller}})  # demo 8 -> 16
_connector = dict(
    type='ConvModuleConnector', norm_cfg=dict(type='BN'), act_cfg=None)
fitnet_distiller = dict(
    # ResNet-18's last stage (512 channels) to ResNet-101's (2048), 7 x 7.
    connectors=dict(
        fitnet_s=dict(_connector, in_channel=512, out_channel=2048)),
    distill_losses=dict(
        loss_fitnet=dict(type='L2Loss', normalize=True, loss_weight=10.0)),
    loss_forward_mappings=dict(
        loss_fitnet=dict(
            s_feature=dict(
                from_student=True,
                recorder='feat',
                data_idx=-1,
                connector='fitnet_s'),
            t_feature=dict(from_student=False, recorder='feat', data_idx=-1),
        )),
)
# The demo networks: student 64 channels, teacher 128, both 4 x 4. The
# demo's weight is x0.1 the one above (demo_weight_scale in
# configs/fitnet/demo_fitnet.py), chosen by tools/benchmark/weight_sweep.py's
# rule on held-out training images (docs/quality_benchmark.md).
fitnet_demo_weight_scale = 0.1
_loss_fitnet = fitnet_distiller['distill_losses']['loss_fitnet']
fitnet_demo_distiller = dict(
    fitnet_distiller,
    connectors=dict(fitnet_s=dict(_connector, in_channel=64, out_channel=128)),
    distill_losses=dict(
        loss_fitnet=dict(
            _loss_fitnet,
            loss_weight=(_loss_fitnet['loss_weight'] *
                         fitnet_demo_weight_scale))))
