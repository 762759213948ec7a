# L2D recipe: Adam lr 1e-4, L2 weight decay 1e-4 on weights
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

# The recipe's batch: 64 images per step over all processes. tools/train.py
# gives each of N processes 64 / N (N must divide 64), so 1, 2 or 8 GPUs train
# the same recipe. For a per-GPU batch instead (OpenMMLab's convention), set
# global_batch_size=None and train_dataloader.batch_size; --auto-scale-lr then
# scales the lr (and OneCycle's eta_max) by the total batch / base_batch_size.
global_batch_size = 64
auto_scale_lr = dict(base_batch_size=64)
# BatchNorm statistics over the global batch when training on several GPUs
# (mmengine converts the model only when distributed; tools/train.py drops
# this on machines without CUDA, where SyncBatchNorm cannot run).
sync_bn = 'torch'
