"""Compatibility fixes for the pinned OpenMMLab stack on current torch.

Every fix the project needs lives here, each in its own function with a
docstring naming the upstream problem, next to a ``needs_*`` test that says
whether the installed versions have that problem (a feature test where one
exists, a version test otherwise). :func:`apply` runs each fix once, and only
where its test says it is needed, so a newer torch / mmengine / setuptools
that fixes a problem upstream leaves the library untouched. It is idempotent
and is called by ``mmlkd/__init__.py`` before anything imports mmrazor, and
by ``tools/train.py`` before a config is parsed.

Pinned versions: torch 2.14, mmengine 0.10.7, mmpretrain 1.2.0, mmrazor 1.0.0
(see ``requirements/constraints.txt``).
"""
import importlib
import importlib.metadata
import importlib.util
import logging
import os.path as osp
import re
import warnings
from typing import Callable, Dict, List, NamedTuple, Optional

_APPLIED: Dict[str, bool] = {}

_QUANTIZATION_ALIASES = {
    'reverse2': '_reverse2',
    'reverse3': '_reverse3',
    'reverse_sequential_wrapper2': '_sequential_wrapper2',
}
_QUANTIZATION_SETTERS = ('_set_overwrite_output_fake_quantize',
                         '_set_overwrite_output_observer',
                         '_set_input_output_observed')


def needs_torch_quantization_names() -> Optional[str]:
    """Why mmrazor's quantization import fails on this torch, or None."""
    try:
        import torch.ao.quantization.fuser_method_mappings as fmm
        from torch.ao.quantization.backend_config import BackendPatternConfig
    except ImportError:  # torch without quantization support
        return None
    missing = [n for n in _QUANTIZATION_ALIASES if not hasattr(fmm, n)]
    missing += [
        n for n in _QUANTIZATION_SETTERS
        if not hasattr(BackendPatternConfig, n)
    ]
    if missing:
        return f'torch lacks {", ".join(missing)} (mmrazor 1.0.0 imports them)'
    return None


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
    for public, private in _QUANTIZATION_ALIASES.items():
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

    for name in _QUANTIZATION_SETTERS:
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


def needs_safe_loader_allow_list() -> Optional[str]:
    """Why mmengine checkpoints fail to load on this torch, or None.

    torch 2.6 changed ``torch.load``'s default to ``weights_only=True``
    (documented in its release notes); earlier releases unpickle anything and
    need no allow-list.
    """
    import torch
    from mmengine.utils import digit_version
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return None  # torch < 2.4: no safe loader by default
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        return None
    return (f'torch {torch.__version__} loads with weights_only=True by '
            'default (mmengine issue 1655)')


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
    get = getattr(torch.serialization, 'get_safe_globals', lambda: [])
    present = {id(entry) for entry in get()}
    missing = [
        t for t in mmengine_checkpoint_safe_globals() if id(t) not in present
    ]
    if not missing:
        return False
    add(missing)
    return True


def _history_buffer_getstate(self) -> dict:
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def needs_history_buffer_pickle() -> Optional[str]:
    """Why checkpoints written here would not load safely, or None.

    Only matters when torch's safe loader is the default, and only while
    mmengine's ``HistoryBuffer.__getstate__`` still puts its statistics
    functions into the pickle (a feature test on a fresh buffer).
    """
    if needs_safe_loader_allow_list() is None:
        return None
    from mmengine.logging import HistoryBuffer
    if HistoryBuffer.__getstate__ is _history_buffer_getstate:
        return None  # already replaced by this module
    if 'statistics_methods' not in HistoryBuffer().__getstate__():
        return None
    return ('mmengine HistoryBuffer pickles its statistics functions, '
            'which the safe loader refuses')


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


def needs_importlib_package_lookups() -> Optional[str]:
    """Why mmengine's package lookup fails here, or None.

    Two upstream problems, either of which breaks ``pkg::`` config bases:

    * setuptools >= 81 no longer ships ``pkg_resources``, which mmengine
      0.10.7's ``is_installed`` imports;
    * mmengine (0.10.7, and its main branch after the move to
      ``importlib.metadata``) locates a package as
      ``<where its metadata is>/<name>``. For a PEP 660 editable install
      (``pip install -e .`` on current pip/setuptools) the metadata is in
      site-packages and the code in the checkout, so ``mmlkd::`` would
      point at a folder that does not exist.
    """
    if importlib.util.find_spec('pkg_resources') is None:
        return 'pkg_resources is not installed (setuptools >= 81)'
    for package in ('mmlkd', ):
        try:
            dist = importlib.metadata.distribution(package)
            spec = importlib.util.find_spec(package)
        except (importlib.metadata.PackageNotFoundError, ImportError,
                ValueError):
            continue
        if spec is None or spec.origin is None:
            continue
        guess = osp.join(str(dist.locate_file('')), package)
        if osp.realpath(guess) != osp.realpath(osp.dirname(spec.origin)):
            return (f'{package} is imported from {osp.dirname(spec.origin)} '
                    f'but its metadata points mmengine at {guess} '
                    '(editable install)')
    return None


def replace_pkg_resources_lookups() -> bool:
    """Resolve ``mmpretrain::`` / ``mmlkd::`` bases through importlib.

    Upstream problems: see :func:`needs_importlib_package_lookups`. The
    replacements find a package where Python imports it from, which is right
    for regular, editable and ``PYTHONPATH`` installs alike. They are put
    where mmengine looks them up (``mmengine.config.config`` imported them
    by name).
    """
    import mmengine.config.config as config_mod
    import mmengine.utils as utils
    import mmengine.utils.package_utils as package_utils
    changed = False
    for mod in (package_utils, utils, config_mod):
        for name, fn in (('is_installed', is_installed), ('get_installed_path',
                                                          get_installed_path)):
            if getattr(mod, name, None) is not fn:
                setattr(mod, name, fn)
                changed = True
    return changed


def needs_mmlkd_config_prefix() -> Optional[str]:
    """Why ``_base_ = 'mmlkd::...'`` is refused here, or None."""
    from mmengine.config.utils import MODULE2PACKAGE
    if 'mmlkd' in MODULE2PACKAGE:
        return None
    return ("mmengine accepts 'pkg::' config paths only for the packages in "
            'its MODULE2PACKAGE table, which lacks mmlkd')


def register_mmlkd_config_prefix() -> bool:
    """Let configs inherit ``_base_ = 'mmlkd::...'``.

    Upstream problem: mmengine 0.10.7 resolves ``pkg::`` bases only for the
    OpenMMLab packages listed in ``mmengine.config.utils.MODULE2PACKAGE``
    ("mmengine does not support to load mmlkd config"). mmlkd is added to
    that table (module name = distribution name); the bases are then read
    from ``mmlkd/.mim/configs`` (setup.py makes it at install time) and
    their dicts are built through :mod:`mmlkd.registry`.
    """
    from mmengine.config.utils import MODULE2PACKAGE
    if MODULE2PACKAGE.get('mmlkd') == 'mmlkd':
        return False
    MODULE2PACKAGE['mmlkd'] = 'mmlkd'
    return True


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


def needs_loss_mapping_names() -> Optional[str]:
    """Why a bad ``loss_forward_mappings`` entry would go unnamed, or None.

    A feature test: mmrazor's distiller is still the upstream loop (1.0.0,
    unmaintained since 2023) when its ``compute_distill_losses`` is defined
    in mmrazor itself.
    """
    from mmrazor.models.distillers import ConfigurableDistiller
    fn = ConfigurableDistiller.compute_distill_losses
    if fn is _compute_distill_losses or not fn.__module__.startswith(
            'mmrazor.'):
        return None
    return ('mmrazor ConfigurableDistiller names neither the loss nor the '
            'argument when a recorded input cannot be fetched')


# --- known-harmless upstream warnings -------------------------------------


class UpstreamNoise(NamedTuple):
    """A warning the pinned stack emits on every run, and why it is
    harmless."""
    message: str  # regex matched against the start of the message
    via: str  # 'warnings' (warnings.warn) or 'logging' (mmengine print_log)
    cause: str  # the upstream source, and why mmlkd does not need to act
    needed: Callable[[], Optional[str]]  # why this stack emits it, or None


def _dist_version(name: str) -> Optional[str]:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _version_tuple(version: str) -> tuple:
    parts = []
    for piece in version.split('.')[:3]:
        digits = ''.join(c for c in piece if c.isdigit()) or '0'
        parts.append(int(digits))
    return tuple(parts)


def _emits_mmcv_lite_deform_attn() -> Optional[str]:
    # metadata only: importing mmcv.cnn here would emit the warning
    if _dist_version('mmcv-lite') is None or _dist_version('mmcv'):
        return None
    return ('mmcv-lite is installed (no compiled ops): mmcv.cnn.bricks.'
            'transformer warns when it cannot import '
            'MultiScaleDeformableAttention')


def _emits_pkg_resources_deprecation() -> Optional[str]:
    setuptools = _dist_version('setuptools')
    if importlib.util.find_spec('pkg_resources') is None or not setuptools:
        return None  # setuptools >= 81: no pkg_resources to import
    if _version_tuple(setuptools) < (67, 5):
        return None  # the warning on import came with setuptools 67.5
    return (f'setuptools {setuptools} warns when pkg_resources is imported; '
            "mmengine 0.10.7's is_installed (pkg:: config bases) and "
            'openmim 0.3.9 import it')


def _emits_file_client_deprecation() -> Optional[str]:
    mmengine = _dist_version('mmengine')
    if not mmengine or _version_tuple(mmengine) >= (1, 0):
        return None  # mmengine promises to drop the FileClient in 1.0
    return (f'mmengine {mmengine} CheckpointHook.before_train builds a '
            'FileClient on every run, and FileClient logs its own '
            'deprecation')


def _emits_frozen_param_warnings() -> Optional[str]:
    mmengine = _dist_version('mmengine')
    if not mmengine or _version_tuple(mmengine) >= (1, 0):
        return None
    return (f'mmengine {mmengine} DefaultOptimWrapperConstructor logs each '
            "frozen parameter, i.e. each of a distillation teacher's")


UPSTREAM_NOISE: Dict[str, UpstreamNoise] = {
    'mmcv_lite_deform_attn':
    UpstreamNoise(
        message=r'Fail to import ``MultiScaleDeformableAttention``',
        via='warnings',
        cause='mmcv-lite 2.1 ships no compiled ops, and '
        'mmcv/cnn/bricks/transformer.py warns at import that '
        'MultiScaleDeformableAttention is missing; mmpretrain imports that '
        'module for its transformer backbones, and no mmlkd model uses the '
        'op (a model that does fails when it is built, not silently)',
        needed=_emits_mmcv_lite_deform_attn),
    'pkg_resources_deprecated':
    UpstreamNoise(
        message=r'pkg_resources is deprecated as an API',
        via='warnings',
        cause="setuptools >= 67.5 warns on `import pkg_resources`; "
        "mmengine 0.10.7's utils/package_utils.py imports it to resolve "
        '`mmpretrain::` config bases (and openmim 0.3.9 to find packages); '
        'setuptools < 81 is pinned for it (requirements/constraints.txt), '
        'and without pkg_resources mmlkd.compat resolves the bases itself',
        needed=_emits_pkg_resources_deprecation),
    'file_client_deprecated':
    UpstreamNoise(
        message=r'"FileClient" will be deprecated',
        via='logging',
        cause="mmengine 0.10.7's hooks/checkpoint_hook.py builds a "
        'FileClient in before_train even without file_client_args ("will '
        'not be removed util the release of MMEngine1.0"), and '
        'FileClient.__new__ logs this WARNING; checkpoints are written '
        'through get_file_backend either way',
        needed=_emits_file_client_deprecation),
    'hard_disk_backend_alias':
    UpstreamNoise(
        message=r'"HardDiskBackend" is the alias of "LocalBackend"',
        via='logging',
        cause='the same FileClient of mmengine 0.10.7\'s CheckpointHook '
        "infers the 'disk' backend, registered as the deprecated "
        'HardDiskBackend alias, whose __init__ logs this WARNING',
        needed=_emits_file_client_deprecation),
    'frozen_teacher_params':
    UpstreamNoise(
        message=r'(module\.)?teacher\.\S+ is skipped since its '
        r'requires_grad=False$',
        via='logging',
        cause="mmengine 0.10.7's optim/optimizer/default_constructor.py "
        'logs a WARNING for every parameter without requires_grad when '
        'paramwise_cfg is set; mmrazor freezes the whole teacher on purpose '
        '(teacher_trainable=False), one line per teacher tensor. A frozen '
        'student parameter is still reported',
        needed=_emits_frozen_param_warnings),
}


class UpstreamNoiseFilter(logging.Filter):
    """Drops mmengine log records of :data:`UPSTREAM_NOISE` (``logging``)."""

    def __init__(self, names: List[str]):
        super().__init__()
        self.names = list(names)
        self.patterns = [
            re.compile(UPSTREAM_NOISE[n].message) for n in self.names
        ]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(p.match(message) for p in self.patterns)


_LOG_FILTER: Optional[UpstreamNoiseFilter] = None
_WARNINGS_FILTERED: set = set()


def needs_quiet_upstream_warnings() -> Optional[str]:
    """Which known-harmless upstream warnings this stack emits, or None.

    Version and metadata tests only (nothing is imported that would emit
    one of the warnings before its filter exists).
    """
    reasons = [
        r for r in (n.needed() for n in UPSTREAM_NOISE.values())
        if r is not None
    ]
    return '; '.join(dict.fromkeys(reasons)) or None


def _warning_filter_present(pattern: str) -> bool:
    for action, message, *_ in warnings.filters:
        if action == 'ignore' and getattr(message, 'pattern', None) == pattern:
            return True
    return False


def _mmlogger_init_with_filter(init):

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if _LOG_FILTER is not None:
            self.addFilter(_LOG_FILTER)

    __init__.__wrapped__ = init
    __init__.mmlkd_upstream_noise = True
    return __init__


def quiet_upstream_warnings() -> bool:
    """Filter the known-harmless upstream warnings, each naming its cause.

    Upstream problems: see :data:`UPSTREAM_NOISE` (mmcv-lite's missing
    ``MultiScaleDeformableAttention``, setuptools' ``pkg_resources``
    deprecation, mmengine's ``FileClient`` / ``HardDiskBackend``
    deprecations): about a hundred lines in every distillation log, above
    the recipe card, none of which asks anything of the user. Only the
    entries whose ``needed`` test says the installed stack emits them are
    filtered: ``warnings.filterwarnings`` for ``warnings.warn``, and a
    filter on every mmengine ``MMLogger`` for the ones mmengine logs.
    Everything else still shows, including other warnings of the same
    modules. Runs first in :func:`apply` (``import mmlkd`` or
    ``import mmlkd.compat``), so a tool whose first project import is
    mmlkd shows none of them: mmcv's fires when mmpretrain's models are
    imported, setuptools' when a config is parsed, mmengine's when training
    starts.

    Returns True if a filter was added for the first time in this process
    (one put back after ``warnings.resetwarnings()`` does not count).
    """
    global _LOG_FILTER
    changed = False
    for name, noise in UPSTREAM_NOISE.items():
        if noise.via != 'warnings' or noise.needed() is None:
            continue
        if not _warning_filter_present(noise.message):
            # category Warning: setuptools changed it between releases
            warnings.filterwarnings(
                'ignore', message=noise.message, category=Warning)
            # put back after warnings.resetwarnings() (pytest resets the
            # filters around each test): not a change of this process
            changed |= name not in _WARNINGS_FILTERED
            _WARNINGS_FILTERED.add(name)
    names = [
        n for n, noise in UPSTREAM_NOISE.items()
        if noise.via == 'logging' and noise.needed() is not None
    ]
    if names:
        from mmengine.logging import MMLogger
        if _LOG_FILTER is None or _LOG_FILTER.names != names:
            _LOG_FILTER = UpstreamNoiseFilter(names)
            changed = True
        if not getattr(MMLogger.__init__, 'mmlkd_upstream_noise', False):
            MMLogger.__init__ = _mmlogger_init_with_filter(MMLogger.__init__)
            changed = True
        for logger in list(MMLogger._instance_dict.values()):
            if _LOG_FILTER not in logger.filters:
                logger.addFilter(_LOG_FILTER)
                changed = True
    return changed


def _one_cycle_state_dict(self) -> dict:
    return {
        k: v
        for k, v in self.__dict__.items()
        if k not in ('optimizer', 'anneal_func')
    }


def needs_one_cycle_state_without_function() -> Optional[str]:
    """Why OneCycle checkpoints would not load safely, or None.

    A feature test: the state of a fresh ``OneCycleParamScheduler`` holds
    its ``anneal_func`` (a bound method), which pickles as ``getattr``.
    """
    if needs_safe_loader_allow_list() is None:
        return None
    import torch
    from mmengine.optim.scheduler import OneCycleParamScheduler
    if OneCycleParamScheduler.state_dict is _one_cycle_state_dict:
        return None
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    state = OneCycleParamScheduler(
        opt, 'lr', eta_max=0.1, total_steps=2).state_dict()
    if not callable(state.get('anneal_func')):
        return None
    return ('mmengine OneCycleParamScheduler.state_dict stores its '
            'anneal_func, which the safe loader refuses')


def drop_one_cycle_anneal_function() -> bool:
    """Write OneCycle schedulers' state without their annealing function.

    Upstream problem: mmengine 0.10.7's ``OneCycleParamScheduler.state_dict``
    returns its whole ``__dict__``, including ``anneal_func``
    (``self._annealing_cos``, a bound method). torch pickles it with the
    global ``builtins.getattr``, so every checkpoint of an L2D-recipe run
    (OneCycleLR) is refused by the ``weights_only`` loader: its teacher
    cannot be distilled from, its run cannot be resumed. ``getattr`` must
    not be allow-listed (it would open attribute walks), and the function
    needs no saving: ``__init__`` rebuilds it from ``anneal_strategy`` and
    ``load_state_dict`` keeps it. Checkpoints written before this fix keep
    the function; re-save such a trusted file once with
    ``torch.load(..., weights_only=False)``.
    """
    from mmengine.optim.scheduler import OneCycleParamScheduler
    if OneCycleParamScheduler.state_dict is _one_cycle_state_dict:
        return False
    OneCycleParamScheduler.state_dict = _one_cycle_state_dict
    return True


FIXES: Dict[str, Callable[[], bool]] = {
    # first: filters must exist before mmcv / mmengine emit the warnings
    'upstream_warnings': quiet_upstream_warnings,
    'torch_quantization_names': patch_torch_quantization_names,
    'mmengine_checkpoint_types': allow_mmengine_checkpoint_types,
    'history_buffer_pickle': drop_history_buffer_functions,
    'one_cycle_state': drop_one_cycle_anneal_function,
    'pkg_resources_lookups': replace_pkg_resources_lookups,
    'mmlkd_config_prefix': register_mmlkd_config_prefix,
    # last: it imports mmrazor, which needs the fixes above
    'loss_mapping_errors': name_loss_in_record_errors,
}

# For each fix: does the installed stack have the problem? (reason or None)
NEEDED_BY: Dict[str, Callable[[], Optional[str]]] = {
    'upstream_warnings': needs_quiet_upstream_warnings,
    'torch_quantization_names': needs_torch_quantization_names,
    'mmengine_checkpoint_types': needs_safe_loader_allow_list,
    'history_buffer_pickle': needs_history_buffer_pickle,
    'one_cycle_state': needs_one_cycle_state_without_function,
    'pkg_resources_lookups': needs_importlib_package_lookups,
    'mmlkd_config_prefix': needs_mmlkd_config_prefix,
    'loss_mapping_errors': needs_loss_mapping_names,
}


def needed() -> Dict[str, Optional[str]]:
    """For each fix, why the installed versions need it (None: they don't)."""
    return {name: test() for name, test in NEEDED_BY.items()}


def apply() -> Dict[str, bool]:
    """Apply each needed fix once; later calls are no-ops.

    Returns, per fix, whether it changed anything (False for a fix the
    installed versions do not need).
    """
    for name, fix in FIXES.items():
        if name not in _APPLIED:
            _APPLIED[name] = NEEDED_BY[name]() is not None and bool(fix())
    return dict(_APPLIED)
