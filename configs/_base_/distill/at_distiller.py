# Attention transfer (Zagoruyko and Komodakis, ICLR 2017) with mmrazor's
# ATLoss on the last backbone stage (recorder `feat`): channel-mean of squared
# activations, L2-normalised over space; needs equal spatial sizes, not equal
# widths. mmrazor's ImageNet configs use 250 on each of 4 stages; one stage
# here, weighted 1000.
# Merge into a skeleton's distiller:
#   model = dict(distiller={{_base_.at_distiller}}).
at_distiller = dict(
    distill_losses=dict(loss_at=dict(type='ATLoss', loss_weight=1000.0)),
    loss_forward_mappings=dict(
        loss_at=dict(
            s_feature=dict(from_student=True, recorder='feat', data_idx=-1),
            t_feature=dict(from_student=False, recorder='feat', data_idx=-1),
        )),
)
