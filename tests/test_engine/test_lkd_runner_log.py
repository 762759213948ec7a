"""The first screen of a run's output is the recipe card: mmengine's
environment, config, hook order and per-parameter decay lines go to the log
file only."""
import glob

from mmlkd_testing import TINY_DEMO, load_tool


def test_recipe_card_on_the_first_screen(tmp_path, capfd):
    load_tool('tools/train.py').main([
        'configs/demo/mld.py', '--random-teacher', '--work-dir',
        str(tmp_path), '--cfg-options', 'model.teacher_ckpt=None', *TINY_DEMO
    ])
    out = capfd.readouterr()
    console = (out.out + out.err).splitlines()
    first = '\n'.join(console[:30])
    assert 'Recipe card of configs/demo/mld.py' in first, first
    assert 'distill losses    loss_mld: MLDLoss' in first, first
    for moved in ('System environment', 'Config:', 'paramwise_options --',
                  'Hooks will be executed'):
        assert moved not in out.out + out.err, moved
    log = open(glob.glob(str(tmp_path / '*' / '*.log'))[0]).read()
    for kept in ('System environment', 'Config:', 'paramwise_options --',
                 'Hooks will be executed', 'Recipe card of'):
        assert kept in log, kept
