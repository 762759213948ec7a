# The demo teacher (width 16) and student (width 8) of demo_resnets.py, with
# their initialisation, and ML-Decoder heads
# (L2D) instead of pooling + linear. The 32 x 32 px demo
# images give 4 x 4 = 16 tokens; a 128-wide decoder (4 heads, FFN 512) is
# enough for 16 classes and keeps the demo fast on a CPU. Teacher and student
# share the embedding width, so LEDLoss can compare their embeddings.
_demo_decoder = dict(
    type='MLDecoderHead',
    num_classes=16,
    embed_dims=128,
    num_heads=4,
    ffn_dims=512,
    dropout=0.1,
    fixed_queries=True,
    loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0))

demo_teacher_mldecoder = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        init_cfg=None,
        zero_init_residual=False),
    neck=None,
    head=dict(in_channels=128, **_demo_decoder),
)
demo_student_mldecoder = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(3, ),
        init_cfg=None,
        zero_init_residual=False),
    neck=None,
    head=dict(in_channels=64, **_demo_decoder),
)

# The teacher inside distillation: dropout off (mmrazor puts only the
# teacher's BatchNorm in eval mode; dropout has no weights, so the trained
# checkpoint loads unchanged).
demo_teacher_mldecoder_frozen = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        init_cfg=None,
        zero_init_residual=False),
    neck=None,
    head=dict(in_channels=128, **dict(_demo_decoder, dropout=0.0)),
)
