"""Install mmlkd: ``pip install -e .``.

Ranges here are loose on purpose so users can combine mmlkd with their own
torch/CUDA build; ``requirements/constraints.txt`` pins the set that CI tests.
"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    ns: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmlkd', 'version.py')) as f:
        exec(f.read(), ns)
    return ns['__version__']


setup(
    name='mmlkd',
    version=read_version(),
    description='Multi-label knowledge distillation for OpenMMLab (MMRazor/MMPretrain)',
    long_description=open('README.md', encoding='utf-8').read()
    if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    python_requires='>=3.8',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    include_package_data=True,
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
        'tests': ['pytest', 'scikit-learn'],
    },
    license='Apache License 2.0',
)
