# Short CPU schedule for the embedded demo data: Adam, per-iteration cosine
# decay after a brief linear warm-up.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3e-3, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
)
# Students train 6 epochs (282 steps): short enough for the quality
# benchmark's 5 paired seeds of every method on 2 CPU cores, long enough that
# the student alone is far past the label-frequency predictor (val mAP about
# 56 at seed 0; it keeps rising with more steps: 66 at 8 epochs, 80 at 12,
# so distillation has room to help). The teachers train `demo_teacher_epochs`
# (configs/demo/teacher*.py).
demo_epochs = 6
demo_teacher_epochs = 12
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=0,
        end=demo_epochs,
        eta_min=1e-5,
        convert_to_iter_based=True),
]
train_cfg = dict(
    by_epoch=True, max_epochs=demo_epochs, val_interval=demo_epochs)
val_cfg = dict()
test_cfg = dict()

# 64 images per step over all processes: `tools/train.py` runs 64 per step,
# `dist_train.sh CONFIG 2` 32 per process (see adam_onecycle_80e.py).
# BatchNorm statistics span the 64 images on any number of processes: on the
# CPU, tools/train.py wraps the model in mmlkd's
# CPUSyncBNDistributedDataParallel (torch's SyncBatchNorm needs GPU tensors).
global_batch_size = 64
sync_bn = 'torch'
auto_scale_lr = dict(base_batch_size=64)

# The teachers' schedule (configs/demo/teacher*.py): the same shape over
# `demo_teacher_epochs`. Trained once and reused by every distillation run.
demo_teacher_train_cfg = dict(
    by_epoch=True,
    max_epochs=demo_teacher_epochs,
    val_interval=demo_teacher_epochs)
demo_teacher_param_scheduler = [
    param_scheduler[0],
    dict(param_scheduler[1], end=demo_teacher_epochs),
]
