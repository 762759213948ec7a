"""Compatibility fixes for the pinned OpenMMLab stack on current torch.

Every fix the project needs lives here, each in its own function with a
comment naming the upstream problem. :func:`apply` runs them all once; it is
idempotent and is called by ``mmlkd/__init__.py`` before anything imports
mmrazor, and by ``tools/train.py`` before a config is parsed.

Pinned versions: torch 2.14, mmengine 0.10.7, mmpretrain 1.2.0, mmrazor 1.0.0
(see ``requirements/constraints.txt``).
"""
import argparse
import importlib
import importlib.metadata
import importlib.util
import os.path as osp
from typing import Dict, List

_APPLIED: Dict[str, bool] = {}


def patch_torch_quantization_names() -> bool:
    """Restore torch.ao.quantization names that mmrazor 1.0.0 imports.

    Upstream problem: ``import mmrazor.models`` fails on torch >= 2.1 with the
    misleading "`torch>=1.13` is not installed properly" (mmrazor issues 615,
    632, 652; mmrazor is unmaintained since 2023). Its quantization module,
    which distillation never uses, imports ``reverse2``, ``reverse3`` and
    ``reverse_sequential_wrapper2`` (now private in
    ``torch.ao.quantization.fuser_method_mappings``) and calls three private
    ``BackendPatternConfig`` setters that torch removed. The aliases point at
    torch's own renamed functions; the setters only record their argument,
    which is all that module-level code needs.

    Returns True if anything was patched.
    """
    try:
        import torch.ao.quantization.backend_config as backend_config
        import torch.ao.quantization.fuser_method_mappings as fmm
        from torch.ao.quantization.backend_config import BackendPatternConfig
    except ImportError:  # torch without quantization support: nothing to fix
        return False

    changed = False
    renamed = {
        'reverse2': '_reverse2',
        'reverse3': '_reverse3',
        'reverse_sequential_wrapper2': '_sequential_wrapper2',
    }
    for public, private in renamed.items():
        if not hasattr(fmm, public) and hasattr(fmm, private):
            setattr(fmm, public, getattr(fmm, private))
            changed = True

    # torch no longer imports the submodule as an attribute of the package.
    if not hasattr(backend_config, 'utils'):
        try:
            backend_config.utils = importlib.import_module(
                'torch.ao.quantization.backend_config.utils')
            changed = True
        except ImportError:
            pass

    def _make_setter(name: str):
        attr = name[len('_set'):]  # '_set_x' stores into '_x'

        def setter(self, value):
            setattr(self, attr, value)
            return self

        setter.__name__ = name
        return setter

    for name in ('_set_overwrite_output_fake_quantize',
                 '_set_overwrite_output_observer',
                 '_set_input_output_observed'):
        if not hasattr(BackendPatternConfig, name):
            setattr(BackendPatternConfig, name, _make_setter(name))
            changed = True
    return changed


def mmengine_checkpoint_safe_globals() -> List[type]:
    """The exact non-tensor types an mmengine 0.10.7 checkpoint pickles.

    ``message_hub`` holds ``HistoryBuffer`` objects whose state is numpy
    arrays and numpy scalars; nothing else in a checkpoint needs unpickling.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer

    try:  # numpy >= 2 moved the private core module
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar

    types: List = [HistoryBuffer, np.ndarray, np.dtype, _reconstruct, scalar]
    # numpy >= 1.25 pickles dtypes through their concrete classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        types += [
            getattr(dtypes, n) for n in dir(dtypes)
            if n.endswith('DType') and isinstance(getattr(dtypes, n), type)
        ]
    return types


def allow_mmengine_checkpoint_types() -> bool:
    """Let torch's safe loader read mmengine checkpoints.

    Upstream problem: torch >= 2.6 calls ``torch.load`` with
    ``weights_only=True`` by default, and mmengine 0.10.7 checkpoints pickle
    ``mmengine.logging.HistoryBuffer`` and numpy objects, so ``resume``,
    ``load_from`` and mmrazor's ``teacher_ckpt`` fail (mmengine issue 1655).
    Allow-listing exactly those types keeps the safe loader; switching to
    ``weights_only=False`` would unpickle arbitrary code.
    """
    import torch
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:  # torch < 2.4 has no safe loader default to work around
        return False
    add(mmengine_checkpoint_safe_globals())
    return True


def _history_buffer_getstate(self) -> dict:
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def drop_history_buffer_functions() -> bool:
    """Write ``HistoryBuffer`` without pickled functions.

    Upstream problem: mmengine 0.10.7's ``HistoryBuffer.__getstate__`` puts
    its statistics functions (``HistoryBuffer.min`` ...) into the pickle,
    which needs the global ``builtins.getattr`` to load. Allow-listing
    ``getattr`` would give the safe loader an escape hatch (attribute walks
    from any allowed class), so instead checkpoints are written without them:
    ``HistoryBuffer.__setstate__`` re-registers the defaults, and custom
    statistics live in the class-level registry filled at import time.
    Checkpoints written by an unpatched mmengine still fail to load safely;
    load such a file once with ``torch.load(..., weights_only=False)`` (only
    if it comes from a trusted source) and save it again under mmlkd.
    """
    from mmengine.logging import HistoryBuffer
    if HistoryBuffer.__getstate__ is _history_buffer_getstate:
        return False
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    return True


def _distribution_top_module(package: str) -> str:
    """Module name of an installed distribution (``mmcv-lite`` -> ``mmcv``).

    Read from the distribution's ``top_level.txt`` like mmengine's
    ``package2module`` does, but through importlib (no pkg_resources).
    """
    try:
        top = importlib.metadata.distribution(package).read_text(
            'top_level.txt')
    except importlib.metadata.PackageNotFoundError:
        top = None
    if top and top.split():
        return top.split()[0]
    return package.replace('-', '_')


def is_installed(package: str) -> bool:
    """importlib-based replacement of ``mmengine.utils.is_installed``."""
    try:
        importlib.metadata.distribution(package)
        return True
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """importlib-based replacement of ``mmengine.utils.get_installed_path``."""
    for module in dict.fromkeys((package, _distribution_top_module(package))):
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin is not None:
            return osp.dirname(spec.origin)
    raise importlib.metadata.PackageNotFoundError(
        f'package {package!r} is not installed (needed to resolve a '
        f'"{package}::" config path)')


def replace_pkg_resources_lookups() -> bool:
    """Resolve ``mmpretrain::`` config bases without ``pkg_resources``.

    Upstream problem: mmengine 0.10.7 finds installed packages with
    ``pkg_resources``, which setuptools >= 81 no longer ships, so
    ``_base_ = 'mmpretrain::...'`` fails to parse. The functions are
    replaced where mmengine looks them up (``mmengine.config.config`` imported
    them by name).
    """
    import mmengine.config.config as config_mod
    import mmengine.utils as utils
    import mmengine.utils.package_utils as package_utils
    changed = False
    for mod in (package_utils, utils, config_mod):
        for name, fn in (('is_installed', is_installed),
                         ('get_installed_path', get_installed_path)):
            if getattr(mod, name, None) is not fn:
                setattr(mod, name, fn)
                changed = True
    return changed


def add_local_rank_argument(parser: argparse.ArgumentParser) -> None:
    """Accept both ``--local-rank`` and ``--local_rank``.

    Upstream problem: ``torchrun`` / ``torch.distributed.launch`` (torch >= 2)
    pass ``--local-rank`` while OpenMMLab tools were written for
    ``--local_rank``. Both spellings land in ``args.local_rank``.
    """
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        dest='local_rank')


class LossMappingError(ValueError):
    """A ``loss_forward_mappings`` entry cannot be fetched; names the loss."""


def _compute_distill_losses(self) -> dict:
    losses = dict()
    for loss_name, forward_mappings in self.loss_forward_mappings.items():
        forward_kwargs = dict()
        for forward_key, record in forward_mappings.items():
            try:
                forward_kwargs[forward_key] = self.get_record(**record)
            except (AssertionError, TypeError, IndexError, KeyError) as e:
                raise LossMappingError(
                    f'distiller.loss_forward_mappings.{loss_name}.'
                    f'{forward_key} = {dict(record)}: {e}') from e
        losses[loss_name] = self.distill_losses[loss_name](**forward_kwargs)
    return losses


def name_loss_in_record_errors() -> bool:
    """Name the loss and argument when a recorded input cannot be fetched.

    Upstream problem: when a ``loss_forward_mappings`` entry asks for a
    record that is not there (``data_idx`` past the end of a recorded tuple,
    ``data_idx`` on a tensor, ``record_idx`` out of range), mmrazor 1.0.0's
    ``ConfigurableDistiller.compute_distill_losses`` fails inside the
    recorder with "data_idx is illegal ..." naming neither the loss nor the
    argument. The same loop is run with each fetch wrapped, so the error
    says ``distiller.loss_forward_mappings.<loss>.<argument>``.
    """
    from mmrazor.models.distillers import ConfigurableDistiller
    if ConfigurableDistiller.compute_distill_losses is _compute_distill_losses:
        return False
    ConfigurableDistiller.compute_distill_losses = _compute_distill_losses
    return True


FIXES = {
    'torch_quantization_names': patch_torch_quantization_names,
    'mmengine_checkpoint_types': allow_mmengine_checkpoint_types,
    'history_buffer_pickle': drop_history_buffer_functions,
    'pkg_resources_lookups': replace_pkg_resources_lookups,
    # last: it imports mmrazor, which needs the fixes above
    'loss_mapping_errors': name_loss_in_record_errors,
}


def apply() -> Dict[str, bool]:
    """Apply every fix once; later calls are no-ops. Returns what ran."""
    for name, fix in FIXES.items():
        if name not in _APPLIED:
            _APPLIED[name] = bool(fix())
    return dict(_APPLIED)
