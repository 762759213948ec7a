"""Session fixtures shared by the tests."""
import pytest

from mmlkd_testing import TINY_DEMO, run_tool


@pytest.fixture(autouse=True)
def restore_default_scope():
    """Keep mmengine's default registry scope from leaking between tests.

    A Runner or tool run in-process makes its config's scope (mmpretrain)
    the current default; mmrazor's registry would then look types up in
    mmpretrain's registry in every later test of the session.
    """
    from mmengine.registry import DefaultScope
    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


@pytest.fixture(scope='session')
def tiny_teacher_ckpt(tmp_path_factory) -> str:
    """A demo teacher trained for one tiny epoch (shared by the smoke tests)."""
    work = tmp_path_factory.mktemp('teacher')
    run_tool(['tools/train.py', 'configs/demo/teacher.py', '--work-dir',
              str(work), '--cfg-options'] + TINY_DEMO)
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    return str(ckpt)
