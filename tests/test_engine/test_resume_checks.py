"""`--resume` names a partial checkpoint; a copied work dir resumes its own."""
import os
import shutil
import time

import pytest
import torch
from mmengine.config import Config

from mmlkd.engine import check_checkpoint_file, resolve_auto_resume
from mmlkd_testing import TINY_DEMO, run_tool


@pytest.fixture
def ckpt(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save(dict(state_dict=dict(w=torch.randn(64, 64))), path)
    return path


def test_complete_checkpoint_passes(ckpt):
    check_checkpoint_file(str(ckpt))


def test_partial_checkpoint_is_named(ckpt, tmp_path):
    data = ckpt.read_bytes()
    partial = tmp_path / 'epoch_2.pth'
    partial.write_bytes(data[:len(data) // 2])  # killed while saving
    with pytest.raises(
            ValueError,
            match=r"--resume: '.*epoch_2\.pth' \(\d+ bytes\) is "
            r'not a complete torch checkpoint'):
        check_checkpoint_file(str(partial))
    empty = tmp_path / 'epoch_3.pth'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match=r'epoch_3\.pth.*is empty'):
        check_checkpoint_file(str(empty))
    with pytest.raises(FileNotFoundError, match='epoch_9.pth'):
        check_checkpoint_file(str(tmp_path / 'epoch_9.pth'))


def test_corrupt_member_is_named(ckpt, tmp_path):
    data = bytearray(ckpt.read_bytes())
    i = data.index(b'data/0') + 200  # inside the tensor's bytes
    data[i] ^= 0xFF
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"bad\.pth' is corrupt.*CRC"):
        check_checkpoint_file(str(bad))


def test_train_tool_names_a_partial_resume_file(tmp_path, ckpt):
    data = ckpt.read_bytes()
    partial = tmp_path / 'epoch_2.pth'
    partial.write_bytes(data[:-100])
    proc = run_tool([
        'tools/train.py', 'configs/demo/teacher.py', '--work-dir',
        str(tmp_path), '--resume',
        str(partial)
    ],
                    check=False)
    assert proc.returncode != 0
    assert f"{partial}' ({len(data) - 100} bytes) is not a complete" in \
        proc.stderr
    assert 'PytorchStreamReader' not in proc.stderr


def _cfg(work_dir, **checkpoint):
    return Config(
        dict(
            work_dir=str(work_dir), default_hooks=dict(checkpoint=checkpoint)))


def test_copied_work_dir_resumes_from_its_own_file(tmp_path, ckpt):
    original = tmp_path
    (original / 'last_checkpoint').write_text(str(ckpt))
    assert resolve_auto_resume(_cfg(original)) == str(ckpt)
    copy = tmp_path.parent / (tmp_path.name + '_copy')
    shutil.copytree(original, copy)
    # The record still names the original directory's file ...
    assert (copy / 'last_checkpoint').read_text() == str(ckpt)
    # ... but the copy resumes from its own epoch_1.pth.
    assert resolve_auto_resume(_cfg(copy)) == str(copy / 'epoch_1.pth')
    # Without that file the copy refuses instead of reading the original's.
    os.remove(copy / 'epoch_1.pth')
    with pytest.raises(
            FileNotFoundError,
            match=r"outside the work dir.*no 'epoch_1\.pth'.*"
            r'--resume PATH'):
        resolve_auto_resume(_cfg(copy))
    # A relative record is read relative to the work dir.
    (original / 'last_checkpoint').write_text('epoch_1.pth')
    assert resolve_auto_resume(_cfg(original)) == str(ckpt)
    # Checkpoints kept elsewhere on purpose (out_dir) are followed.
    (copy / 'last_checkpoint').write_text(str(ckpt))
    assert resolve_auto_resume(_cfg(copy, out_dir=str(original))) == str(ckpt)
    # No record: nothing to resume.
    os.remove(copy / 'last_checkpoint')
    assert resolve_auto_resume(_cfg(copy)) is None


def test_truncated_last_checkpoint_names_the_newest_complete_one(
        tmp_path, ckpt):
    data = ckpt.read_bytes()
    time.sleep(0.01)
    cut = tmp_path / 'epoch_2.pth'
    cut.write_bytes(data[:len(data) // 2])  # killed while saving epoch 2
    (tmp_path / 'last_checkpoint').write_text(str(cut))
    with pytest.raises(
            ValueError,
            match=r'epoch_2\.pth.*not a complete.*last_checkpoint '
            r'names it.*--resume .*epoch_1\.pth') as e:
        resolve_auto_resume(_cfg(tmp_path))
    assert 'without a path' not in str(e.value)
    os.remove(ckpt)
    with pytest.raises(ValueError, match='no complete checkpoint'):
        resolve_auto_resume(_cfg(tmp_path))


def test_copied_work_dir_end_to_end(tiny_teacher_ckpt, tmp_path):
    """`--resume` in a copy continues from the copy's checkpoint."""
    original = os.path.dirname(tiny_teacher_ckpt)
    copy = tmp_path / 'copy'
    shutil.copytree(original, copy)
    proc = run_tool([
        'tools/train.py', 'configs/demo/teacher.py', '--work-dir',
        str(copy), '--resume', '--cfg-options'
    ] + TINY_DEMO + ['train_cfg.max_epochs=2'])
    log = proc.stdout + proc.stderr
    assert f'Load checkpoint from {copy / "epoch_1.pth"}' in log, log[-3000:]
    assert 'resumed epoch: 1' in log
    assert (copy / 'epoch_2.pth').is_file()
    assert not os.path.exists(os.path.join(original, 'epoch_2.pth'))
