"""`--resume` reads data only, fits strictly and stays in its own work dir.

Each payload is first shown to be live (mmengine's own ``Config.fromstring``
runs it), then resumed by ``tools/train.py``, which must not run it.
"""
import hashlib
import os
import os.path as osp
import shutil
import sys

import pytest
import torch
from mmengine.config import Config

from mmlkd.engine import LKDRunner, WorkDirLock, WorkDirLockedError
from mmlkd.utils.checkpoint_loading import CheckpointError, build_for_check
from mmlkd_testing import ROOT, TINY_DEMO, load_tool

STUDENT = 'configs/demo/student_alone.py'

train_tool = load_tool('tools/train.py')


def _train(work, epochs, *args, options=()):
    train_tool.main([
        STUDENT, '--work-dir',
        str(work), *args, '--cfg-options', *TINY_DEMO,
        f'train_cfg.max_epochs={epochs}', *options
    ])


@pytest.fixture(scope='module')
def run_a(tmp_path_factory):
    """A finished 2-epoch run: epoch_1.pth, epoch_2.pth and a best file."""
    work = tmp_path_factory.mktemp('trust') / 'A'
    _train(work, 2)
    return work


def _with_config_text(src, dst, text):
    ckpt = torch.load(src, map_location='cpu', weights_only=True)
    ckpt['meta']['config'] = text
    torch.save(ckpt, dst)


def _payloads(tmp_path):
    """(name, config text, marker): text mmengine turns into code."""
    sub = tmp_path / 'pwned_sub'
    base = tmp_path / 'evil_base.py'
    base_marker = tmp_path / 'pwned_base'
    base.write_text(f"x = __import__('os').system('touch {base_marker}')\n")
    mod_dir = tmp_path / 'mods'
    mod_dir.mkdir()
    imp_marker = tmp_path / 'pwned_import'
    (mod_dir / 'evil_trust_mod.py'
     ).write_text(f"import os\nos.system('touch {imp_marker}')\n")
    return [
        # Two string assignments to `ast`; code after mmengine's
        # `{{$VAR:default}}` substitution.
        ('substitution', 'a = {"k": {"{{$NOPE:x"}}; b = "}}; import os; '
         f"os.system('touch {sub}') #\"\n", sub),
        ('_base_', f'_base_ = {str(base)!r}\n', base_marker),
        ('custom_imports', "custom_imports = dict(imports=['evil_trust_mod'], "
         'allow_failed_imports=False)\n', imp_marker),
    ], mod_dir


@pytest.mark.parametrize('auto', [False, True], ids=['explicit', 'auto'])
def test_no_payload_runs_on_resume(run_a, tmp_path, auto, monkeypatch):
    payloads, mod_dir = _payloads(tmp_path)
    monkeypatch.syspath_prepend(str(mod_dir))
    for name, text, marker in payloads:
        # The payload is live: mmengine itself executes it.
        try:
            Config.fromstring(text, '.py')
        except Exception:
            pass
        assert marker.exists(), f'{name}: the payload is not live'
        marker.unlink()
        sys.modules.pop('evil_trust_mod', None)

        work = tmp_path / f'w_{name}'
        work.mkdir()
        ckpt = work / 'epoch_2.pth'
        _with_config_text(run_a / 'epoch_2.pth', ckpt, text)
        if auto:
            (work / 'last_checkpoint').write_text(str(ckpt))
            _train(work, 3, '--resume')
        else:
            _train(work, 3, '--resume', str(ckpt))
        assert (work / 'epoch_3.pth').is_file(), name
        assert not marker.exists(), f'{name}: resume ran checkpoint text'


def test_runner_never_hands_config_text_to_mmengine(run_a, tmp_path):
    # Even plain-data text is dropped before mmengine's resume sees it.
    ckpt = torch.load(
        run_a / 'epoch_1.pth', map_location='cpu', weights_only=True)
    ckpt['meta']['config'] = 'gpu_ids = [0, 1, 2, 3]\n'  # would refuse
    path = tmp_path / 'epoch_1.pth'
    torch.save(ckpt, path)
    cfg = Config.fromfile(osp.join(ROOT, STUDENT))
    cfg.work_dir = str(tmp_path / 'w')
    cfg.train_dataloader.batch_size = 16
    cfg.merge_from_dict({'train_dataloader.dataset.num_images': 16})
    runner = LKDRunner.from_cfg(cfg)
    loaded = runner.load_checkpoint(str(path))
    assert 'config' not in loaded['meta']
    assert 'cfg' not in loaded['message_hub'].get('runtime_info', {})


def test_distillation_checkpoint_refused_on_student_config(tmp_path):
    mld = Config.fromfile(osp.join(ROOT, 'configs/demo/mld.py'))
    model = build_for_check(mld.model, 'mmrazor')
    path = tmp_path / 'epoch_6.pth'
    torch.save(
        {
            'meta': {
                'epoch': 6,
                'iter': 18
            },
            'state_dict': model.state_dict()
        }, path)
    with pytest.raises(CheckpointError) as e:
        _train(tmp_path / 'w', 8, '--resume', str(path))
    msg = str(e.value)
    assert msg.startswith('--resume') and 'epoch_6.pth' in msg
    assert 'unexpected keys' in msg and 'distillation checkpoint' in msg
    assert not (tmp_path / 'w' / 'epoch_7.pth').exists()


def _hashes(folder):
    return {
        osp.relpath(osp.join(d, f), folder):
        hashlib.sha256(open(osp.join(d, f), 'rb').read()).hexdigest()
        for d, _, files in os.walk(folder)
        for f in files
    }


def _bests(folder):
    return sorted(f for f in os.listdir(folder) if f.startswith('best_'))


def test_resumed_copy_leaves_the_original_in_place(run_a, tmp_path):
    original = run_a  # its stored paths name its own folder
    before = _hashes(original)
    assert len(_bests(original)) == 1
    copy = tmp_path / 'B'
    shutil.copytree(original, copy)
    # In the copy, any mAP of epoch 3 beats the stored best, so its hook
    # replaces the best checkpoint: the one the stored path names.
    last = copy / 'epoch_2.pth'
    ckpt = torch.load(last, map_location='cpu', weights_only=True)
    info = ckpt['message_hub']['runtime_info']
    assert info['best_ckpt'].startswith(str(original))
    info['best_score'] = -1.0
    torch.save(ckpt, last)
    _train(copy, 3, '--resume')
    assert _hashes(original) == before
    assert _bests(copy) == ['best_multi-label_mAP_epoch_3.pth']
    resumed = torch.load(
        copy / 'epoch_3.pth', map_location='cpu', weights_only=True)
    kept = resumed['message_hub']['runtime_info']
    assert kept['best_ckpt'] == str(copy / 'best_multi-label_mAP_epoch_3.pth')


def test_second_run_in_a_locked_work_dir_is_refused(tmp_path):
    with WorkDirLock(str(tmp_path)):
        with pytest.raises(
                WorkDirLockedError,
                match=rf'{tmp_path} is in use.*pid {os.getpid()}'):
            _train(tmp_path, 1)
    assert not (tmp_path / 'epoch_1.pth').exists()
    # Released: the folder can be trained in again.
    with WorkDirLock(str(tmp_path)):
        pass


def test_recipe_card_after_resume_shows_the_lr_in_force(run_a, tmp_path):
    work = tmp_path / 'w'
    work.mkdir()
    shutil.copy(run_a / 'epoch_2.pth', work / 'epoch_2.pth')
    ckpt = torch.load(
        work / 'epoch_2.pth', map_location='cpu', weights_only=True)
    resumed_lr = ckpt['optimizer']['param_groups'][0]['lr']
    from mmengine.logging import MMLogger
    _train(
        work,
        3,
        '--resume',
        str(work / 'epoch_2.pth'),
        options=['optim_wrapper.optimizer.lr=1000000.0'])
    log = open(MMLogger.get_current_instance().log_file).read()
    card = log[log.index('resumed from'):]
    assert f'lr now {resumed_lr:.6g}' in card.split('\n')[0]
    assert 'epoch 2' in card.split('\n')[0]
