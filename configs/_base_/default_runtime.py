# Runtime shared by every mmlkd config: mmpretrain's defaults plus the plugin
# import.
_base_ = 'mmpretrain::_base_/default_runtime.py'

# Registers mmlkd's losses, connectors, heads, datasets, metrics and hooks
# (and applies mmlkd.compat) before anything is built, so configs use bare
# type names.
custom_imports = dict(imports=['mmlkd'], allow_failed_imports=False)

# mmengine's Runner with a resume that reads tensors and plain data only,
# loads strictly and never touches files outside the run's own folder, and a
# lock so two runs never share a work dir (mmlkd.engine.LKDRunner).
runner_type = 'LKDRunner'

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    # `best_multi-label_mAP_epoch_N.pth` keeps the epoch with the best mAP
    # next to the last three. `multi-label/mAP` is MultiLabelMAP's key for
    # the model being trained; in distillation runs it is the student's
    # (SingleTeacherDistillValLoop reports the teacher as
    # `teacher.multi-label/mAP`).
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        save_best='multi-label/mAP',
        rule='greater'),
    # Stops at the first NaN/inf loss term, naming it, before the state
    # reaches a checkpoint (mmlkd.engine.FiniteLossHook).
    finite_loss=dict(type='FiniteLossHook'),
    # Saves the random generators in checkpoints so `--resume` continues the
    # unbroken run's augmentation and dropout (mmlkd.engine.RNGStateHook).
    rng_state=dict(type='RNGStateHook'),
    # For a given seed, the student alone and every distilled student start
    # from the same student weights and training random streams
    # (mmlkd.engine.PairedInitHook).
    paired_init=dict(type='PairedInitHook'),
)

# Curves in TensorBoard as well as the local JSON log: uncomment (needs
# `pip install tensorboard`), then `tensorboard --logdir work_dirs`.
# vis_backends = [
#     dict(type='LocalVisBackend'),
#     dict(type='TensorboardVisBackend'),
# ]
# visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

# tools/train.py switches the backend to gloo on machines without a GPU.
# A worker that stops or dies leaves the others waiting in a collective: after
# `timeout` seconds they fail with an error instead of hanging forever.
env_cfg = dict(dist_cfg=dict(backend='nccl', timeout=1800))
