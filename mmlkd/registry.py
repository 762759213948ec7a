"""Registries of the ``mmlkd`` scope, used by configs with ``mmlkd::`` bases.

mmlkd registers its components into mmpretrain's and mmrazor's registries,
so its own configs use bare type names under the ``mmpretrain`` default
scope. A config that inherits ``_base_ = 'mmlkd::...'`` is different:
mmengine sets ``_scope_='mmlkd'`` on every top-level dict with a ``type``
that names no scope, imports ``mmlkd.registry`` and builds those dicts from
the registry whose scope is ``mmlkd``. The registries below are children of
mmengine's roots (so mmengine finds them) that look a type up in
mmpretrain's registry first, then in mmrazor's: a dict resolves as it does
in mmlkd's own configs.
"""
from typing import Any, Sequence

import mmpretrain.registry as mmpretrain_registry
import mmrazor.registry as mmrazor_registry
from mmengine.registry import Registry

import mmlkd  # noqa: F401  (compat fixes before mmrazor; registers modules)

__all__ = [
    'LKDRegistry', 'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS',
    'LOG_PROCESSORS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS', 'METRICS',
    'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]


class LKDRegistry(Registry):
    """A registry of the ``mmlkd`` scope that delegates its look-ups.

    Args:
        sources: the registries asked in order (mmpretrain's, then
            mmrazor's); the first that knows a type wins.
    """

    def __init__(self, sources: Sequence[Registry]) -> None:
        root = sources[0]
        while root.parent is not None:
            root = root.parent
        super().__init__(
            sources[0].name, parent=root, scope='mmlkd', locations=['mmlkd'])
        self.sources = list(sources)

    def get(self, key: str) -> Any:
        for source in self.sources:
            obj = source.get(key)
            if obj is not None:
                return obj
        return super().get(key)


def _scope_registry(name: str) -> LKDRegistry:
    sources = [getattr(mmpretrain_registry, name)]
    if hasattr(mmrazor_registry, name):
        sources.append(getattr(mmrazor_registry, name))
    return LKDRegistry(sources)


RUNNERS = _scope_registry('RUNNERS')
RUNNER_CONSTRUCTORS = _scope_registry('RUNNER_CONSTRUCTORS')
LOOPS = _scope_registry('LOOPS')
HOOKS = _scope_registry('HOOKS')
LOG_PROCESSORS = _scope_registry('LOG_PROCESSORS')
OPTIMIZERS = _scope_registry('OPTIMIZERS')
OPTIM_WRAPPERS = _scope_registry('OPTIM_WRAPPERS')
OPTIM_WRAPPER_CONSTRUCTORS = _scope_registry('OPTIM_WRAPPER_CONSTRUCTORS')
PARAM_SCHEDULERS = _scope_registry('PARAM_SCHEDULERS')
DATASETS = _scope_registry('DATASETS')
DATA_SAMPLERS = _scope_registry('DATA_SAMPLERS')
TRANSFORMS = _scope_registry('TRANSFORMS')
MODELS = _scope_registry('MODELS')
MODEL_WRAPPERS = _scope_registry('MODEL_WRAPPERS')
WEIGHT_INITIALIZERS = _scope_registry('WEIGHT_INITIALIZERS')
BATCH_AUGMENTS = _scope_registry('BATCH_AUGMENTS')
TASK_UTILS = _scope_registry('TASK_UTILS')
METRICS = _scope_registry('METRICS')
EVALUATORS = _scope_registry('EVALUATORS')
VISUALIZERS = _scope_registry('VISUALIZERS')
VISBACKENDS = _scope_registry('VISBACKENDS')
