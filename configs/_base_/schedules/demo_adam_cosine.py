# Short CPU schedule for the embedded demo data: Adam, per-iteration cosine
# decay after a brief linear warm-up.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3e-3, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=12,
         eta_min=1e-5, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=12)
val_cfg = dict()
test_cfg = dict()

# 64 images per step over all processes: `tools/train.py` runs 64 per step,
# `dist_train.sh CONFIG 2` 32 per process (see adam_onecycle_80e.py). No
# sync_bn: the demo trains on the CPU, where SyncBatchNorm cannot run.
global_batch_size = 64
auto_scale_lr = dict(base_batch_size=64)
