"""tools/misc/print_config.py on the demo configs."""
from mmengine.config import Config

from mmlkd_testing import run_tool


def test_prints_resolved_distill_config_with_overrides(tmp_path):
    weight = 'model.distiller.distill_losses.loss_mld.loss_weight=0.5'
    proc = run_tool(['tools/misc/print_config.py', 'configs/demo/mld.py',
                     '--cfg-options', 'train_cfg.max_epochs=3', weight])
    assert proc.stdout.startswith('Config:\n')
    text = proc.stdout[len('Config:\n'):]
    # The printed text is a config of its own: parse it back.
    cfg = Config.fromstring(text, file_format='.py')
    assert cfg.train_cfg.max_epochs == 3
    assert cfg.model.distiller.distill_losses.loss_mld == dict(
        type='MLDLoss', loss_weight=0.5)
    # Bases are merged: the demo teacher, and mmpretrain's runtime (a
    # `mmpretrain::` base of configs/_base_/default_runtime.py).
    assert cfg.model.teacher.backbone.base_channels == 16
    assert cfg.default_hooks.param_scheduler.type == 'ParamSchedulerHook'
    assert cfg.custom_imports.imports == ['mmlkd']


def test_missing_config_is_named():
    proc = run_tool(['tools/misc/print_config.py', 'configs/demo/nope.py'],
                    check=False)
    assert proc.returncode != 0
    assert "no such config 'configs/demo/nope.py'" in proc.stderr
