"""Importing mmlkd (through a config's custom_imports) registers its parts."""
import os

from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_config_custom_imports_register_components(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        f"_base_ = ['{ROOT}/configs/_base_/default_runtime.py']\n"
        "loss = dict(type='MLDLoss', loss_weight=2.0)\n"
        "dataset = dict(type='DemoShapes', split='val', num_images=4)\n")
    cfg = Config.fromfile(str(cfg_file))
    import_modules_from_strings(**cfg.custom_imports)

    from mmpretrain.registry import DATASETS
    from mmrazor.registry import MODELS
    loss = MODELS.build(cfg.loss)
    assert type(loss).__name__ == 'MLDLoss' and loss.loss_weight == 2.0
    ds = DATASETS.build(cfg.dataset)
    assert len(ds) == 4 and len(ds.metainfo['classes']) == 16


def test_unknown_type_names_the_config_and_type(tmp_path):
    from mmlkd_testing import run_tool
    cfg_file = tmp_path / 'bad.py'
    cfg_file.write_text(f"_base_ = ['{ROOT}/configs/demo/mld.py']\n"
                        "model = dict(distiller=dict(distill_losses=dict("
                        "loss_mld=dict(type='NoSuchLoss'))))\n"
                        "model['teacher_ckpt'] = None\n")
    proc = run_tool([
        'tools/train.py',
        str(cfg_file), '--random-teacher', '--work-dir',
        str(tmp_path / 'w')
    ],
                    check=False)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert 'NoSuchLoss' in last and 'bad.py' in last, last
