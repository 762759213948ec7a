"""CAMInputsRecorder: what it records and when."""
import torch
from mmpretrain.registry import MODELS

import mmlkd  # noqa: F401  (compat fixes before mmrazor)
from mmlkd.models.recorders import CAMInputsRecorder


def _model():
    model = MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='ResNet',
                depth=18,
                stem_channels=8,
                base_channels=8,
                out_indices=(2, 3)),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='MultiLabelLinearClsHead', num_classes=3,
                in_channels=64)))
    return model.eval()


def test_records_last_stage_and_live_weight_only_inside_context():
    model = _model()
    recorder = CAMInputsRecorder(source='backbone', head='head')
    recorder.initialize(model)
    x = torch.randn(2, 3, 64, 64)
    model(x, mode='tensor')
    assert recorder.data_buffer == []  # outside the context: nothing kept
    with recorder:
        model(x, mode='tensor')
    feat, weight = recorder.get_record_data()
    # the last of the backbone's two output stages, 64 channels at stride 32
    assert feat.shape == (2, 64, 2, 2)
    # the parameter itself, not a copy: updates and gradients see it
    assert weight is model.head.fc.weight


def test_missing_modules_are_named():
    model = _model()
    for kwargs, name in ((dict(source='neck.nothing'), 'neck.nothing'),
                         (dict(head='heads'), 'heads')):
        try:
            CAMInputsRecorder(**kwargs).initialize(model)
        except ValueError as err:
            assert name in str(err)
        else:
            raise AssertionError('no error for a missing module')
