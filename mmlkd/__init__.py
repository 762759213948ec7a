"""mmlkd: multi-label knowledge distillation for OpenMMLab.

Importing the package applies the compatibility fixes (``mmlkd.compat``) and
registers every component into the MMRazor / MMPretrain registries, so a
config needs only ``custom_imports = dict(imports=['mmlkd'])``.
"""
from . import compat

compat.apply()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = [
    '__version__', 'compat', 'datasets', 'engine', 'evaluation', 'models'
]
