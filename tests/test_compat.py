"""Each compatibility fix of mmlkd.compat, tested on the pinned stack."""
import io
import os.path as osp

import numpy as np
import pytest
import torch

import mmlkd  # noqa: F401  (applies the fixes)
from mmlkd import compat


def test_apply_is_idempotent():
    first = compat.apply()
    assert set(first) == set(compat.FIXES)
    assert compat.apply() == first
    # Re-running an applied fix directly changes nothing the second time.
    for name, applied in first.items():
        if applied:
            assert compat.FIXES[name]() is False, name


def test_mmrazor_models_import_and_quantization_names():
    import torch.ao.quantization.fuser_method_mappings as fmm
    from torch.ao.quantization.backend_config import BackendPatternConfig
    assert fmm.reverse2 is fmm._reverse2
    assert fmm.reverse_sequential_wrapper2 is fmm._sequential_wrapper2
    cfg = BackendPatternConfig(torch.nn.Linear)
    assert cfg._set_input_output_observed(False) is cfg
    assert cfg._input_output_observed is False
    import mmrazor.models  # noqa: F401  (fails without the fix)
    from mmrazor.registry import MODELS
    assert MODELS.get('SingleTeacherDistill') is not None


def _roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def test_mmengine_checkpoint_objects_load_with_safe_loader():
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('mmlkd_test_compat')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float64(2.5))
    hub.update_info('iter', 3)
    state = _roundtrip({
        'message_hub': hub.state_dict(),
        'meta': {
            'seed': np.int64(3),
            'arr': np.arange(3)
        }
    })
    buf = state['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.mean() == pytest.approx(2.0)
    assert buf.max() == pytest.approx(2.5)  # statistics restored on load
    assert state['meta']['arr'].tolist() == [0, 1, 2]


def test_safe_loader_still_rejects_arbitrary_globals():
    buf = io.BytesIO()
    torch.save({'f': osp.join}, buf)
    buf.seek(0)
    with pytest.raises(Exception, match='Unsupported global'):
        torch.load(buf, weights_only=True)


def test_allow_list_is_exact():
    names = {
        getattr(t, '__name__', str(t))
        for t in compat.mmengine_checkpoint_safe_globals()
    }
    assert 'getattr' not in names
    assert {'HistoryBuffer', 'ndarray', 'dtype', '_reconstruct',
            'scalar'} <= names


def test_mmpretrain_config_bases_resolve_without_pkg_resources():
    import mmengine.config.config as config_mod
    from mmengine.config import Config
    if compat.apply()['pkg_resources_lookups']:
        assert config_mod.get_installed_path is compat.get_installed_path
    path = compat.get_installed_path('mmpretrain')
    assert osp.isfile(osp.join(path, '__init__.py'))
    assert compat.is_installed('mmcv-lite')
    assert osp.basename(compat.get_installed_path('mmcv-lite')) == 'mmcv'
    assert not compat.is_installed('surely-not-a-package-xyz')
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '..', 'configs', 'demo', 'teacher.py'))
    assert cfg.default_scope == 'mmpretrain'  # from the mmpretrain:: base


# --- each fix is applied only where the installed versions need it --------


def test_every_fix_has_a_need_test():
    assert set(compat.NEEDED_BY) == set(compat.FIXES)
    assert set(compat.needed()) == set(compat.FIXES)


def test_apply_skips_fixes_the_stack_does_not_need(monkeypatch):
    calls = []
    monkeypatch.setattr(compat, '_APPLIED', {})
    monkeypatch.setattr(
        compat, 'FIXES', {
            'a': lambda: calls.append('a') or True,
            'b': lambda: calls.append('b') or True
        })
    monkeypatch.setattr(compat, 'NEEDED_BY', {
        'a': lambda: 'upstream bug',
        'b': lambda: None
    })
    assert compat.apply() == {'a': True, 'b': False}
    assert calls == ['a']
    assert compat.apply() == {'a': True, 'b': False}
    assert calls == ['a']  # once only


@pytest.mark.parametrize('version,needed', [('2.5.1', False), ('2.6.0', True),
                                            ('2.14.1+cu130', True)])
def test_safe_loader_allow_list_needed_from_torch_2_6(monkeypatch, version,
                                                      needed):
    monkeypatch.setattr(torch, '__version__', version)
    assert (compat.needs_safe_loader_allow_list() is not None) is needed


def test_history_buffer_fix_follows_the_safe_loader(monkeypatch):
    from mmengine.logging import HistoryBuffer
    monkeypatch.setattr(compat, 'needs_safe_loader_allow_list', lambda: None)
    assert compat.needs_history_buffer_pickle() is None
    monkeypatch.setattr(compat, 'needs_safe_loader_allow_list', lambda: 'x')
    # Patched in this process: nothing left to do.
    assert HistoryBuffer.__getstate__ is compat._history_buffer_getstate
    assert compat.needs_history_buffer_pickle() is None

    def upstream_getstate(self):  # mmengine 0.10.7's behaviour
        self.__dict__.update(statistics_methods=self._statistics_methods)
        return self.__dict__

    monkeypatch.setattr(HistoryBuffer, '__getstate__', upstream_getstate)
    assert 'statistics' in compat.needs_history_buffer_pickle()

    def fixed_getstate(self):  # a release that no longer pickles them
        return {
            k: v
            for k, v in self.__dict__.items() if k != '_statistics_methods'
        }

    monkeypatch.setattr(HistoryBuffer, '__getstate__', fixed_getstate)
    assert compat.needs_history_buffer_pickle() is None


def _one_cycle_pair():
    """An optimizer stepped by mmengine's OneCycleLR and mmlkd's
    OneCycleMomentum, as the L2D recipe."""
    from mmengine.optim.scheduler import OneCycleLR

    from mmlkd.engine.schedulers import OneCycleMomentum
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=1e-4)
    return opt, [
        OneCycleLR(opt, eta_max=1e-4, total_steps=10),
        OneCycleMomentum(opt, total_steps=10)
    ]


def test_one_cycle_checkpoints_load_with_the_safe_loader(
        tmp_path, monkeypatch):
    from mmengine.optim.scheduler import OneCycleParamScheduler
    opt, schedulers = _one_cycle_pair()
    for _ in range(3):
        opt.step()
        for s in schedulers:
            s.step()
    path = tmp_path / 'sched.pth'
    torch.save([s.state_dict() for s in schedulers], path)
    states = torch.load(path, weights_only=True)  # no pickled function
    opt2, fresh = _one_cycle_pair()
    for s, state in zip(fresh, states):
        s.load_state_dict(state)
        assert callable(s.anneal_func)  # rebuilt, not loaded
    assert [s.get_last_value()
            for s in fresh] == [s.get_last_value() for s in schedulers]
    # The feature test: mmengine 0.10.7's state_dict stores the function.
    assert compat.needs_one_cycle_state_without_function() is None

    def upstream(self):
        return {k: v for k, v in self.__dict__.items() if k != 'optimizer'}

    monkeypatch.setattr(OneCycleParamScheduler, 'state_dict', upstream)
    assert 'anneal_func' in compat.needs_one_cycle_state_without_function()
    with pytest.raises(Exception, match='getattr'):
        torch.save(schedulers[0].state_dict(), path)
        torch.load(path, weights_only=True)


def test_quantization_fix_needed_only_when_names_are_missing(monkeypatch):
    import torch.ao.quantization.fuser_method_mappings as fmm
    assert compat.needs_torch_quantization_names() is None  # patched here
    monkeypatch.delattr(fmm, 'reverse3')
    assert 'reverse3' in compat.needs_torch_quantization_names()


def test_package_lookup_fix_needed_without_pkg_resources(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == 'pkg_resources' else real(name, *args)

    monkeypatch.setattr(importlib.util, 'find_spec', find_spec)
    assert 'setuptools >= 81' in compat.needs_importlib_package_lookups()


def test_package_lookup_fix_needed_for_editable_installs(
        monkeypatch, tmp_path):
    import importlib.metadata
    import importlib.util
    if importlib.util.find_spec('pkg_resources') is None:
        pytest.skip('needed anyway: no pkg_resources')
    here = osp.dirname(osp.dirname(osp.abspath(mmlkd.__file__)))

    class Dist:

        def __init__(self, location):
            self.location = location

        def locate_file(self, path):
            return osp.join(self.location, path)

    # Metadata next to the code (a regular install): mmengine's own lookup
    # finds the package, nothing to replace.
    monkeypatch.setattr(importlib.metadata, 'distribution',
                        lambda name: Dist(here))
    assert compat.needs_importlib_package_lookups() is None
    # Metadata in site-packages, code in a checkout (PEP 660 editable).
    monkeypatch.setattr(importlib.metadata, 'distribution',
                        lambda name: Dist(str(tmp_path)))
    assert 'editable' in compat.needs_importlib_package_lookups()


def test_mmlkd_config_prefix_registered_once(monkeypatch):
    from mmengine.config import utils as config_utils
    assert config_utils.MODULE2PACKAGE['mmlkd'] == 'mmlkd'
    assert compat.needs_mmlkd_config_prefix() is None
    table = {
        k: v
        for k, v in config_utils.MODULE2PACKAGE.items() if k != 'mmlkd'
    }
    monkeypatch.setattr(config_utils, 'MODULE2PACKAGE', table)
    assert 'MODULE2PACKAGE' in compat.needs_mmlkd_config_prefix()
    assert compat.register_mmlkd_config_prefix() is True
    assert table['mmlkd'] == 'mmlkd'
    assert compat.register_mmlkd_config_prefix() is False


def test_mmlkd_scope_registries_delegate():
    import mmpretrain.registry as pretrain
    import mmrazor.registry as razor
    from mmengine.registry import DATASETS as ROOT_DATASETS

    from mmlkd import registry
    assert ROOT_DATASETS._search_child('mmlkd') is registry.DATASETS
    assert registry.DATASETS.get('DemoShapes') is pretrain.DATASETS.get(
        'DemoShapes')
    assert registry.MODELS.get('ImageClassifier') is not None  # mmpretrain
    assert registry.MODELS.get('SingleTeacherDistill') is razor.MODELS.get(
        'SingleTeacherDistill')  # mmrazor
    assert registry.LOOPS.get('EpochBasedTrainLoop') is not None  # mmengine
    assert registry.METRICS.get('NoSuchMetric') is None


# --- known-harmless upstream warnings, filtered once ----------------------

NOISE_LINES = ('Fail to import ``MultiScaleDeformableAttention``',
               'pkg_resources is deprecated',
               '"FileClient" will be deprecated',
               '"HardDiskBackend" is the alias',
               'is skipped since its requires_grad=False')


def test_each_upstream_noise_names_its_cause_and_is_emitted_here():
    assert compat.NEEDED_BY['upstream_warnings'] is \
        compat.needs_quiet_upstream_warnings
    assert next(iter(compat.FIXES)) == 'upstream_warnings'  # before imports
    for name, noise in compat.UPSTREAM_NOISE.items():
        assert noise.via in ('warnings', 'logging'), name
        # the upstream file or package that emits it
        assert any(
            p in noise.cause for p in ('mmcv', 'mmengine', 'setuptools')), name
        # the pinned stack (mmcv-lite, setuptools 80, mmengine 0.10.7)
        # emits every one of them
        assert noise.needed() is not None, name


def test_warning_filters_hide_only_the_known_messages():
    import warnings
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        compat.quiet_upstream_warnings()  # pytest reset the filters
        assert compat.quiet_upstream_warnings() is False  # once
        warnings.warn('Fail to import ``MultiScaleDeformableAttention`` '
                      'from ``mmcv.ops.multi_scale_deform_attn``')
        warnings.warn('pkg_resources is deprecated as an API. See ...',
                      DeprecationWarning)
        warnings.warn('Fail to import something else')
        warnings.warn('a pkg_resources is deprecated as an API')  # not start
    assert [str(w.message) for w in seen] == [
        'Fail to import something else',
        'a pkg_resources is deprecated as an API'
    ]


def test_mmengine_log_filter_drops_only_the_known_records():
    import logging

    from mmengine.fileio import FileClient
    from mmengine.logging import MMLogger, print_log

    class Collect(logging.Handler):
        records = []

        def emit(self, record):
            self.records.append(record.getMessage())

    compat.quiet_upstream_warnings()
    logger = MMLogger.get_instance('mmlkd_test_upstream_noise')
    logger.addHandler(Collect())
    assert logger.filters.count(compat._LOG_FILTER) == 1
    with _current(logger):
        FileClient(backend='disk')  # logs both deprecations upstream
        print_log(
            'teacher.backbone.conv1.weight is skipped since its '
            'requires_grad=False',
            logger='current',
            level=logging.WARNING)
        print_log(
            'architecture.backbone.conv1.weight is skipped since its '
            'requires_grad=False',
            logger='current',
            level=logging.WARNING)
        print_log(
            '"FileClient" will be deprecated',
            logger=logger,
            level=logging.INFO)
    assert Collect.records == [
        'architecture.backbone.conv1.weight is skipped since its '
        'requires_grad=False'
    ]


class _current:
    """Make ``logger`` mmengine's current MMLogger for a block."""

    def __init__(self, logger):
        self.logger = logger

    def __enter__(self):
        from mmengine.logging import MMLogger
        self.instances = MMLogger._instance_dict
        # the current instance is the latest created one
        self.instances.move_to_end(self.logger.instance_name)
        return self.logger

    def __exit__(self, *exc):
        self.instances.pop(self.logger.instance_name, None)


def test_upstream_noise_not_filtered_where_the_stack_does_not_emit_it(
        monkeypatch):
    import warnings
    quiet = {
        n: noise._replace(needed=lambda: None)
        for n, noise in compat.UPSTREAM_NOISE.items()
    }
    monkeypatch.setattr(compat, 'UPSTREAM_NOISE', quiet)
    assert compat.needs_quiet_upstream_warnings() is None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        assert compat.quiet_upstream_warnings() is False
        warnings.warn('Fail to import ``MultiScaleDeformableAttention``')
    assert len(seen) == 1


@pytest.mark.parametrize('setuptools,needed', [('80.9.0', True),
                                               ('67.4.0', False)])
def test_pkg_resources_filter_follows_setuptools(monkeypatch, setuptools,
                                                 needed):
    real = compat._dist_version
    monkeypatch.setattr(compat, '_dist_version', lambda n: setuptools
                        if n == 'setuptools' else real(n))
    assert (compat._emits_pkg_resources_deprecation() is not None) is needed


def test_mmengine_filters_end_with_mmengine_1(monkeypatch):
    real = compat._dist_version
    monkeypatch.setattr(compat, '_dist_version', lambda n: '1.0.0'
                        if n == 'mmengine' else real(n))
    assert compat._emits_file_client_deprecation() is None
    assert compat._emits_frozen_param_warnings() is None


def test_a_distillation_run_logs_none_of_the_upstream_noise(tmp_path):
    from mmlkd_testing import TINY_DEMO, run_tool
    proc = run_tool([
        'tools/train.py', 'configs/demo/mld.py', '--random-teacher',
        '--work-dir',
        str(tmp_path), '--cfg-options', 'model.teacher_ckpt=None'
    ] + TINY_DEMO)
    for line in NOISE_LINES:
        assert line not in proc.stderr, proc.stderr[-3000:]
        assert line not in proc.stdout, line
    assert 'Recipe card' in proc.stdout
    assert 'distill.loss_mld' in proc.stdout
