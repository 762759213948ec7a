"""Install mmlkd: ``pip install -e .`` or ``mim install -e .``.

Ranges here are loose on purpose so users can combine mmlkd with their own
torch/CUDA build; ``requirements/constraints.txt`` pins the set that CI tests.

Like the OpenMMLab codebases, the package carries a ``mmlkd/.mim`` folder with
``configs``, ``tools`` and ``model-index.yml``: that is where ``mim`` finds the
training/test scripts and the model index, and where mmengine resolves
``_base_ = 'mmlkd::...'``. A wheel or sdist gets copies; an editable install
gets symbolic links into the checkout, so edits to configs take effect.
"""
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup
from typing import Optional

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_version() -> str:
    ns: dict = {}
    with open(osp.join(HERE, 'mmlkd', 'version.py')) as f:
        exec(f.read(), ns)
    return ns['__version__']


def mim_mode(argv) -> Optional[str]:
    """How to fill ``mmlkd/.mim`` for the setuptools command in ``argv``.

    ``pip install -e .`` runs ``editable_wheel`` (PEP 660; ``develop`` on
    old setuptools): link to the checkout. Building a wheel or an sdist
    (what ``pip install .`` does): copy. Anything else (``egg_info``,
    ``dist_info`` while pip reads the metadata): leave ``.mim`` alone.
    """
    if 'develop' in argv or 'editable_wheel' in argv:
        return 'copy' if os.name == 'nt' else 'symlink'
    if 'sdist' in argv or 'bdist_wheel' in argv:
        return 'copy'
    return None


def add_mim_extension(mode: Optional[str], root: str = HERE) -> None:
    """Create ``<root>/mmlkd/.mim/{configs,tools,model-index.yml}``."""
    if mode is None:
        return
    mim_dir = osp.join(root, 'mmlkd', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(root, name)
        dst = osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if not osp.exists(src):
            raise FileNotFoundError(f'mim extension: {src} is missing')
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(
                src,
                dst,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension(mim_mode(sys.argv))
    setup(
        name='mmlkd',
        version=read_version(),
        description='Multi-label knowledge distillation for OpenMMLab '
        '(MMRazor/MMPretrain)',
        long_description=open(osp.join(HERE, 'README.md'),
                              encoding='utf-8').read() if osp.exists(
                                  osp.join(HERE, 'README.md')) else '',
        long_description_content_type='text/markdown',
        keywords='knowledge distillation, multi-label classification, '
        'OpenMMLab, mmrazor, mmpretrain',
        python_requires='>=3.8',
        packages=find_packages(
            exclude=('tests', 'tests.*', 'configs', 'tools')),
        include_package_data=True,  # mmlkd/.mim through MANIFEST.in
        install_requires=[
            'torch>=1.13',
            'torchvision>=0.14',
            'mmengine>=0.10.0,<0.11',
            'mmcv-lite>=2.0.0,<=2.1.0',
            'mmpretrain>=1.0.0,<1.3',
            'mmrazor>=1.0.0,<1.1',
            'numpy',
            'joblib',  # imported by mmrazor but not declared by it
        ],
        extras_require={
            # openmim 0.3.9 imports pkg_resources: setuptools < 81.
            # randaugment: the L2D reference's RandAugment, which the tests
            # compare mmlkd's RandAugmentPIL with (never imported at run time).
            # onnx / onnxruntime: tools/deployment/pytorch2onnx.py's test
            # (the export itself needs only torch).
            # flake8 / isort / yapf: `make lint`, run by `make test`.
            'tests': [
                'pytest', 'scikit-learn', 'openmim>=0.3.9',
                'setuptools>=77,<81', 'randaugment==1.0.2', 'onnx>=1.16',
                'onnxruntime>=1.18', 'flake8>=7', 'isort>=5', 'yapf>=0.40'
            ],
            'mim': ['openmim>=0.3.9', 'setuptools>=77,<81'],
        },
        license='Apache-2.0',
        classifiers=[
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        zip_safe=False,
    )
