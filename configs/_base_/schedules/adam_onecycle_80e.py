# L2D recipe (docs/methods.md §1.4): Adam lr 1e-4, L2 decay 1e-4 on weights
# only (no norm/bias decay), OneCycle with 20 % warm-up stepped every
# iteration, 80 epochs. Mixed precision: add `--amp` to tools/train.py on GPU.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-4),
    # flat_decay_mult also spares 1-D parameters that mmengine's bias rule
    # misses (e.g. nn.MultiheadAttention's in_proj_bias).
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       flat_decay_mult=0.0),
)
param_scheduler = dict(
    type='OneCycleLR',
    eta_max=1e-4,
    pct_start=0.2,
    by_epoch=True,
    begin=0,
    end=80,
    convert_to_iter_based=True,  # one LR step per iteration, as the reference
)
train_cfg = dict(by_epoch=True, max_epochs=80, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# The recipe's batch size is 64 in total (8 GPUs x 8 images).
auto_scale_lr = dict(base_batch_size=64)
