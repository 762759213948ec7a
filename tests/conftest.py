"""Session fixtures shared by the tests."""
import pytest

from mmlkd_testing import TINY_DEMO, run_tool


def _default_scope_restored():
    """Keep mmengine's default registry scope from leaking out of a test.

    A Runner or tool run in-process makes its config's scope (mmpretrain)
    the current default; mmrazor's registry would then look types up in
    mmpretrain's registry in every later test of the session.
    """
    from mmengine.registry import DefaultScope
    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


# Per module (for module-scoped fixtures that run a Runner) and per test.
restore_default_scope_per_module = pytest.fixture(
    scope='module', autouse=True, name='restore_default_scope_per_module')(
        _default_scope_restored)
restore_default_scope = pytest.fixture(
    autouse=True, name='restore_default_scope')(
        _default_scope_restored)


@pytest.fixture(scope='session')
def tiny_teacher_ckpt(tmp_path_factory) -> str:
    """A demo teacher trained for one tiny epoch (shared by the smoke
    tests)."""
    work = tmp_path_factory.mktemp('teacher')
    run_tool([
        'tools/train.py', 'configs/demo/teacher.py', '--work-dir',
        str(work), '--cfg-options'
    ] + TINY_DEMO)
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    return str(ckpt)
