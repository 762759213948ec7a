"""Session fixtures shared by the tests."""
import pytest

from mmlkd_testing import TINY_DEMO, run_tool


@pytest.fixture(scope='session')
def tiny_teacher_ckpt(tmp_path_factory) -> str:
    """A demo teacher trained for one tiny epoch (shared by the smoke tests)."""
    work = tmp_path_factory.mktemp('teacher')
    run_tool(['tools/train.py', 'configs/demo/teacher.py', '--work-dir',
              str(work), '--cfg-options'] + TINY_DEMO)
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    return str(ckpt)
