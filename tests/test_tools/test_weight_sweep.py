"""tools/benchmark/weight_sweep.py: the rule that picks the demo's weight
scale, the configs it trains and scores, and the held-out split it scores
on (carved from the training images, disjoint from what the runs train on,
never the validation split)."""
import os
import sys

import numpy as np
import pytest

from mmlkd_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, 'tools', 'benchmark'))
import weight_sweep  # noqa: E402


def test_choose_best_and_ties_go_to_the_scale_nearest_one():
    assert weight_sweep.choose({0.1: 50.0, 1.0: 51.0, 10.0: 53.0}, 0.1) == 10
    assert weight_sweep.choose({0.1: 55.0, 1.0: 51.0, 10.0: 53.0}, 0.1) == 0.1
    # Within the tie margin of the best: the paper's scale is kept.
    assert weight_sweep.choose({0.1: 53.05, 1.0: 53.0, 10.0: 50.0}, 0.1) == 1.0
    # 0.1 and 10 tie and 1 is worse: equally far from 1 on a log scale,
    # the smaller one (less distillation) wins.
    assert weight_sweep.choose({0.1: 53.0, 1.0: 40.0, 10.0: 53.0}, 0.1) == 0.1


def _config(tmp_path, text):
    from mmengine.config import Config
    path = tmp_path / 'sweep_cfg.py'
    path.write_text(text)
    return Config.fromfile(str(path))


def test_sweep_config_scales_every_distillation_weight(tmp_path):
    import mmlkd  # noqa: F401
    weights = weight_sweep.distill_weights('configs/l2d/demo_l2d.py')
    assert weights == pytest.approx({'loss_mld': 10 / 64, 'loss_led': 1 / 64})
    cfg = _config(
        tmp_path,
        weight_sweep.sweep_config_text('configs/l2d/demo_l2d.py', 2400,
                                       weights, 10.0))
    losses = cfg.model.distiller.distill_losses
    assert losses.loss_mld.loss_weight == pytest.approx(100 / 64)
    assert losses.loss_led.loss_weight == pytest.approx(10 / 64)
    # LED's inner weights and the task loss are untouched.
    assert losses.loss_led.cd_weight == 100.0
    assert losses.loss_led.id_weight == 1000.0
    assert cfg.model.architecture.head.loss.loss_weight == 1.0
    # A parent's scale on the shared term.
    cfg = _config(
        tmp_path,
        weight_sweep.sweep_config_text(
            'configs/l2d/demo_l2d.py',
            2400,
            weights,
            0.1,
            fixed={'loss_mld': 10.0}))
    losses = cfg.model.distiller.distill_losses
    assert losses.loss_mld.loss_weight == pytest.approx(100 / 64)
    assert losses.loss_led.loss_weight == pytest.approx(0.1 / 64)


def test_shipped_scale_is_divided_out(tmp_path, monkeypatch):
    """A config that already ships a scale is swept from the paper's
    weights, not from its scaled ones."""
    cfg_dir = tmp_path / 'configs'
    cfg_dir.mkdir()
    (cfg_dir / 'scaled_kd.py').write_text(
        f"_base_ = [{os.path.join(ROOT, 'configs/kd/demo_kd.py')!r}]\n"
        'demo_weight_scale = 10\n'
        'model = dict(distiller=dict(distill_losses=dict('
        'loss_kd=dict(loss_weight=10.0))))\n')
    (cfg_dir / 'scaled_l2d.py').write_text(
        f"_base_ = [{os.path.join(ROOT, 'configs/l2d/demo_l2d.py')!r}]\n"
        "demo_weight_scale = dict(loss_led=0.1)\n"
        'model = dict(distiller=dict(distill_losses=dict('
        'loss_led=dict(loss_weight=0.1 / 64))))\n')
    (cfg_dir / 'bad_scale.py').write_text(
        f"_base_ = [{os.path.join(ROOT, 'configs/kd/demo_kd.py')!r}]\n"
        "demo_weight_scale = dict(loss_led=0.1)\n")
    monkeypatch.setattr(weight_sweep, 'ROOT', str(tmp_path))
    assert weight_sweep.distill_weights('configs/scaled_kd.py') == {
        'loss_kd': pytest.approx(1.0)
    }
    assert weight_sweep.distill_weights('configs/scaled_l2d.py') == {
        'loss_mld': pytest.approx(10 / 64),
        'loss_led': pytest.approx(1 / 64)
    }
    with pytest.raises(KeyError, match='bad_scale.py.*loss_led.*loss_kd'):
        weight_sweep.distill_weights('configs/bad_scale.py')


def test_held_out_split_is_the_rest_of_the_training_images(tmp_path):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS

    import mmlkd  # noqa: F401
    cfg = _config(
        tmp_path,
        weight_sweep.sweep_config_text('configs/demo/student_alone.py', 2400,
                                       {}, 1.0))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        fit = DATASETS.build(cfg.train_dataloader.dataset)
        held = DATASETS.build(cfg.test_dataloader.dataset)
        full = DATASETS.build(
            dict(
                type='DemoShapes', split='train', num_images=3000,
                pipeline=[]))
    assert len(fit) == 2400 and len(held) == 600
    assert held.split == 'train'  # not the validation split
    for i in (0, 1799, 2399):
        np.testing.assert_array_equal(
            fit.get_data_info(i)['img'],
            full.get_data_info(i)['img'])
    for i in (0, 599):
        np.testing.assert_array_equal(
            held.get_data_info(i)['img'],
            full.get_data_info(2400 + i)['img'])


def test_arguments_and_parents():
    args = weight_sweep.parse_args(['--methods', 'l2d'])
    assert args.scales == [0.1, 1.0, 10.0]
    assert weight_sweep.PARENTS['l2d'] == ('l2d_mld_only', ('loss_mld', ))
    with pytest.raises(SystemExit):
        weight_sweep.parse_args(['--fit', '3000'])
    with pytest.raises(SystemExit):
        weight_sweep.parse_args(['--scales', '0'])


def test_a_best_scale_at_the_grid_edge_sweeps_one_decade_further():
    grid = (0.1, 1.0, 10.0)
    edge = weight_sweep.beyond_edge
    # Inside the grid: nothing more to sweep.
    assert edge({0.1: 50.0, 1.0: 55.0, 10.0: 52.0}, 1.0, grid, 2) is None
    # Best at the low or high edge: the next decade out.
    assert edge({0.1: 56.0, 1.0: 55.0, 10.0: 52.0}, 0.1, grid, 2) == 0.01
    assert edge({0.1: 50.0, 1.0: 55.0, 10.0: 58.0}, 10.0, grid, 2) == 100.0
    # Still at the edge after one extension: one more, then stop at
    # `extend` decades past the grid.
    assert edge({
        0.01: 57.0,
        0.1: 56.0,
        1.0: 55.0,
        10.0: 52.0
    }, 0.01, grid, 2) == 0.001
    assert edge({
        0.001: 58.0,
        0.01: 57.0,
        0.1: 56.0,
        1.0: 55.0
    }, 0.001, grid, 2) is None
    assert edge({0.1: 56.0, 1.0: 55.0, 10.0: 52.0}, 0.1, grid, 0) is None
    # An extension that lost brings the best back inside: stop.
    assert edge({
        0.01: 50.0,
        0.1: 56.0,
        1.0: 55.0,
        10.0: 52.0
    }, 0.1, grid, 2) is None
