# Runtime shared by every mmlkd config: mmpretrain's defaults plus the plugin import.
_base_ = 'mmpretrain::_base_/default_runtime.py'

# Registers mmlkd's losses, connectors, heads, datasets and metrics (and applies
# mmlkd.compat) before anything is built, so configs use bare type names.
custom_imports = dict(imports=['mmlkd'], allow_failed_imports=False)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
)

# tools/train.py switches the backend to gloo on machines without a GPU.
env_cfg = dict(dist_cfg=dict(backend='nccl'))
