"""mim support: the ``mmlkd/.mim`` folder that setup.py makes, and ``mim
train`` / ``mim test`` / ``mim search`` and ``_base_ = 'mmlkd::...'``
against a real (non-editable) install of this checkout.

The install goes into a temporary ``--target`` folder put first on
``PYTHONPATH``, so the shared environment is not touched and mim (which
locates packages through ``pkg_resources``) finds this copy.
"""
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import yaml

from mmlkd_testing import ROOT, TINY_DEMO


def _load_setup():
    spec = importlib.util.spec_from_file_location('mmlkd_setup',
                                                  osp.join(ROOT, 'setup.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() itself only runs as __main__
    return module


def _copy_checkout(dst: str) -> None:
    """The files a build sees: tracked and untracked-but-not-ignored."""
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'],
                           cwd=ROOT,
                           capture_output=True,
                           text=True,
                           check=True).stdout.splitlines()
    for rel in files:
        src = osp.join(ROOT, rel)
        if osp.isfile(src):
            os.makedirs(osp.dirname(osp.join(dst, rel)), exist_ok=True)
            shutil.copy2(src, osp.join(dst, rel))


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """``pip install --target site .`` of a copy of this checkout."""
    root = tmp_path_factory.mktemp('mim')
    src, site = root / 'src', root / 'site'
    _copy_checkout(str(src))
    proc = subprocess.run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
        '--no-build-isolation', '--no-index', '--target',
        str(site),
        str(src)
    ],
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(root=root, src=src, site=site)


def _env(site) -> dict:
    return dict(os.environ, PYTHONPATH=str(site), OMP_NUM_THREADS='1')


def _mim(args, site, cwd, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, '-m', 'mim'] + args,
        cwd=cwd,
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=timeout)
    assert proc.returncode == 0, (
        f'mim {" ".join(args)} failed ({proc.returncode}):\n'
        f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


# --- setup.py's mim extension ----------------------------------------------


@pytest.mark.parametrize('argv,mode', [
    (['setup.py', 'editable_wheel', '--dist-dir', 'x'], 'symlink'),
    (['setup.py', 'develop'], 'symlink'),
    (['setup.py', 'bdist_wheel'], 'copy'),
    (['setup.py', 'sdist'], 'copy'),
    (['setup.py', 'egg_info'], None),
    (['setup.py', 'dist_info'], None),
])
def test_mim_mode_follows_the_setuptools_command(argv, mode):
    if mode == 'symlink' and os.name == 'nt':
        mode = 'copy'
    assert _load_setup().mim_mode(argv) == mode


@pytest.mark.parametrize('mode', ['symlink', 'copy'])
def test_add_mim_extension(tmp_path, mode):
    setup = _load_setup()
    for name in ('configs/demo', 'tools', 'mmlkd'):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / 'configs/demo/mld.py').write_text('x = 1\n')
    (tmp_path / 'tools/train.py').write_text('')
    (tmp_path / 'model-index.yml').write_text('Import: []\n')
    for _ in range(2):  # a re-install replaces what the last one made
        setup.add_mim_extension(mode, str(tmp_path))
    mim = tmp_path / 'mmlkd' / '.mim'
    assert sorted(os.listdir(mim)) == ['configs', 'model-index.yml', 'tools']
    assert (mim / 'configs/demo/mld.py').read_text() == 'x = 1\n'
    assert osp.islink(mim / 'configs') is (mode == 'symlink')
    if mode == 'symlink':  # relative: the checkout can move
        assert os.readlink(mim / 'configs') == osp.join('..', '..', 'configs')
    with pytest.raises(FileNotFoundError, match='mim extension'):
        os.remove(tmp_path / 'model-index.yml')
        setup.add_mim_extension(mode, str(tmp_path))


def test_install_carries_configs_tools_and_model_index(installed):
    mim = installed['site'] / 'mmlkd' / '.mim'
    for rel in ('model-index.yml', 'tools/train.py', 'tools/test.py',
                'configs/demo/mld.py', 'configs/_base_/default_runtime.py',
                'configs/l2d/metafile.yml'):
        assert (mim / rel).is_file(), rel
        assert not osp.islink(mim / rel)
    assert (mim / 'configs/demo/mld.py').read_text() == open(
        osp.join(ROOT, 'configs/demo/mld.py')).read()


# --- mim and mmlkd:: against the installed package -------------------------


def test_mim_train_and_test(installed, tiny_teacher_ckpt, tmp_path):
    """`mim train mmlkd configs/demo/mld.py` from outside the checkout: mim
    finds the config and tools/train.py in the installed package."""
    work = tmp_path / 'mld'
    proc = _mim(
        [
            'train', 'mmlkd', 'configs/demo/mld.py', '--work-dir',
            str(work), '--cfg-options'
        ] + TINY_DEMO + [f'model.teacher_ckpt={tiny_teacher_ckpt}'],
        installed['site'],
        cwd=tmp_path)
    script = osp.join(
        str(installed['site']), 'mmlkd', '.mim', 'tools', 'train.py')
    assert f'Training command is {sys.executable} {script}' in proc.stdout
    assert 'Training finished successfully' in proc.stdout
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()

    proc = _mim(
        [
            'test', 'mmlkd', 'configs/demo/mld.py', '--checkpoint',
            str(ckpt), '--work-dir',
            str(tmp_path / 'test'), '--cfg-options'
        ] + TINY_DEMO + [f'model.teacher_ckpt={tiny_teacher_ckpt}'],
        installed['site'],
        cwd=tmp_path)
    assert 'multi-label/mAP' in proc.stdout + proc.stderr


def test_mim_search_lists_the_model_zoo(installed, tmp_path):
    proc = _mim(['search', 'mmlkd', '--field', 'config', 'demoshapes/map'],
                installed['site'],
                cwd=tmp_path,
                timeout=300)
    for name in ('l2d/demo_l2d', 'kd/demo_kd', 'cams_kd/r101_to_r18_coco'):
        assert name in proc.stdout
    # The figure mim shows is the one the metafile records (publish_results.py
    # rewrites it after each `make quality`), not a constant frozen here.
    with open(osp.join(ROOT, 'configs', 'kd', 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    demo_kd = next(m for m in meta['Models'] if m['Name'] == 'kd/demo_kd')
    demo_map = demo_kd['Results'][0]['Metrics']['mAP']
    assert f'{demo_map}' in proc.stdout


BASE_CHILD = """_base_ = 'mmlkd::demo/student_alone.py'
train_cfg = dict(max_epochs=1)
train_dataloader = dict(batch_size=8, dataset=dict(num_images=16))
"""
PARSE_AND_BUILD = """
import os.path as osp, sys
import mmlkd
from mmengine.config import Config
from mmengine.runner import Runner
from mmlkd import compat
cfg = Config.fromfile(sys.argv[1])
assert cfg.train_cfg.max_epochs == 1 and cfg.default_scope == 'mmpretrain'
# Dicts of an mmlkd:: base are built in the mmlkd scope (mmlkd.registry).
assert cfg.train_dataloader.dataset._scope_ == 'mmlkd'
cfg.work_dir = sys.argv[2]
runner = Runner.from_cfg(cfg)
batch = next(iter(runner.build_dataloader(cfg.train_dataloader)))
losses = runner.model.train_step(
    batch, runner.build_optim_wrapper(cfg.optim_wrapper))
print('LOSS', float(losses['loss']))
print('MODEL', type(runner.model).__name__)
print('METRIC', type(runner.build_evaluator(cfg.val_evaluator).metrics[0]).__name__)
print('BASE', osp.realpath(osp.join(compat.get_installed_path('mmlkd'),
      '.mim', 'configs', 'demo', 'student_alone.py')))
"""  # noqa: E501


def _parse_child(tmp_path, pythonpath) -> str:
    child = tmp_path / 'child.py'
    child.write_text(BASE_CHILD)
    proc = subprocess.run([
        sys.executable, '-c', PARSE_AND_BUILD,
        str(child),
        str(tmp_path / 'work')
    ],
                          cwd=tmp_path,
                          env=_env(pythonpath),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'MODEL ImageClassifier' in proc.stdout
    assert 'METRIC MultiLabelMAP' in proc.stdout
    return proc.stdout.split('BASE ')[1].strip()


def test_mmlkd_base_resolves_in_an_installed_package(installed, tmp_path):
    base = _parse_child(tmp_path, installed['site'])
    assert base == osp.realpath(
        osp.join(installed['site'], 'mmlkd', '.mim', 'configs', 'demo',
                 'student_alone.py'))


def test_mmlkd_base_resolves_to_the_checkout_when_editable(
        installed, tmp_path):
    """An editable install links .mim to the checkout's own configs."""
    src = installed['src']
    _load_setup().add_mim_extension('symlink', str(src))
    base = _parse_child(tmp_path, src)
    assert base == osp.realpath(src / 'configs' / 'demo' / 'student_alone.py')


def test_mim_finds_an_editable_checkout_on_pythonpath(installed, tmp_path):
    """mim 0.3.9 locates a package as ``<metadata location>/<name>``; for a
    PEP 660 editable install that is site-packages, so the README says to
    put the checkout on PYTHONPATH, where its ``mmlkd.egg-info`` (written by
    the install) and ``mmlkd/.mim`` links are found."""
    src = installed['src']
    assert (src / 'mmlkd.egg-info').is_dir()  # left by the in-tree build
    _load_setup().add_mim_extension('symlink', str(src))
    proc = _mim(['search', 'mmlkd', '--field', 'config'],
                src,
                cwd=tmp_path,
                timeout=300)
    assert 'configs/l2d/demo_l2d.py' in proc.stdout
