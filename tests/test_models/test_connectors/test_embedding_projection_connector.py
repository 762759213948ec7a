"""EmbeddingProjectionConnector: its value, its errors, and an ML-Decoder
student narrower than its teacher distilled through it (demo L2D config)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmlkd  # noqa: F401  (compat fixes before mmrazor)
from mmlkd.models.connectors import EmbeddingProjectionConnector
from mmlkd.models.losses import LEDLoss
from mmlkd_testing import ROOT


def test_projects_the_last_axis():
    torch.manual_seed(0)
    connector = EmbeddingProjectionConnector(in_channels=6, out_channels=9)
    h = torch.randn(2, 4, 6)
    out = connector(h)
    assert out.shape == (2, 4, 9)
    w, b = connector.proj.weight, connector.proj.bias
    for i in range(2):
        for c in range(4):
            torch.testing.assert_close(out[i, c], w @ h[i, c] + b)


def test_wrong_width_or_rank_is_named():
    connector = EmbeddingProjectionConnector(in_channels=6, out_channels=9)
    with pytest.raises(ValueError, match=r'B x C x 6 .*shape \(2, 4, 5\)'):
        connector(torch.zeros(2, 4, 5))
    with pytest.raises(ValueError, match=r'shape \(2, 6\)'):
        connector(torch.zeros(2, 6))


def _narrow_student_l2d(student_width: int, with_connector: bool):
    """configs/l2d/demo_l2d.py with the student's ML-Decoder at a smaller
    embedding width (the teacher keeps 128), projected back for LED."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'l2d', 'demo_l2d.py'))
    model = cfg.model
    model.teacher_ckpt = None
    model.data_preprocessor = cfg.data_preprocessor
    teacher_width = model.teacher.head.embed_dims
    model.architecture.head.embed_dims = student_width
    if with_connector:
        model.distiller.connectors = dict(
            emb_s=dict(
                type='EmbeddingProjectionConnector',
                in_channels=student_width,
                out_channels=teacher_width))
        model.distiller.loss_forward_mappings.loss_led.preds_S.connector = \
            'emb_s'
    return MODELS.build(model)


def _batch(algo):
    # Classes 0 and 1 in three images: CD and ID sets of >= 3 members.
    labels = [[0, 1, 2], [0, 1, 3], [0, 1, 2, 4], [5]]
    return algo.data_preprocessor(
        dict(
            inputs=[
                torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8)
                for _ in labels
            ],
            data_samples=[DataSample().set_gt_label(lab) for lab in labels]),
        True)


def test_narrow_ml_decoder_student_distils_through_the_projection():
    torch.manual_seed(0)
    algo = _narrow_student_l2d(64, with_connector=True)
    assert algo.student.head.embed_dims == 64
    assert algo.teacher.head.embed_dims == 128
    algo.train()
    data = _batch(algo)
    losses = algo.loss(data['inputs'], data['data_samples'])
    emb_s = algo.distiller.student_recorders.get_recorder(
        'emb').get_record_data()
    emb_t = algo.distiller.teacher_recorders.get_recorder(
        'emb').get_record_data()
    assert emb_s.shape == (4, 16, 64) and emb_t.shape == (4, 16, 128)
    connector = algo.distiller.connectors['emb_s']
    proj = emb_s @ connector.proj.weight.t() + connector.proj.bias
    target = torch.stack([d.gt_score for d in data['data_samples']])
    led = algo.distiller.distill_losses['loss_led']
    expected = LEDLoss(
        cd_weight=led.cd_weight,
        id_weight=led.id_weight,
        loss_weight=led.loss_weight)(proj, emb_t, target)
    assert expected > 0
    torch.testing.assert_close(losses['distill.loss_led'], expected)

    # One optimisation step of the whole objective moves the projection and
    # the student, never the teacher.
    before = connector.proj.weight.detach().clone()
    decoder = algo.student.head.decoder.cross_attn.in_proj_weight
    decoder_before = decoder.detach().clone()
    teacher_before = [p.detach().clone() for p in algo.teacher.parameters()]
    wrapper = OptimWrapper(torch.optim.SGD(algo.parameters(), lr=0.1))
    log = algo.train_step(data, wrapper)
    assert torch.isfinite(log['loss'])
    assert not torch.equal(before, connector.proj.weight)
    assert not torch.equal(decoder_before, decoder)
    assert all(
        torch.equal(a, b)
        for a, b in zip(teacher_before, algo.teacher.parameters()))


def test_narrow_student_without_projection_fails_on_the_widths():
    algo = _narrow_student_l2d(64, with_connector=False)
    data = _batch(algo)
    with pytest.raises(ValueError, match='LEDLoss'):
        algo.loss(data['inputs'], data['data_samples'])
