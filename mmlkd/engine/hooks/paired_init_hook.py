"""Pair the runs of a seed: same initial student, same training streams."""
import copy
import random
from contextlib import contextmanager
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS, MODELS
from mmengine.runner import BaseLoop
from torch import nn

# Streams derived from the run's seed (independent of each other and of the
# stream mmengine's `randomness.seed` starts).
STUDENT_INIT_STREAM = 0
TRAIN_STREAM = 1

_PREPROCESSOR_PREFIX = 'data_preprocessor.'


def derive_seed(seed: int, stream: int) -> int:
    """A 32-bit seed for ``stream`` derived from the run's ``seed``."""
    if seed is None or seed < 0:
        raise ValueError(f'PairedInitHook: the run seed must be an integer '
                         f'>= 0, got {seed!r}')
    return int(
        np.random.SeedSequence([int(seed), int(stream)
                                ]).generate_state(1, dtype=np.uint32)[0])


def seed_all(seed: int) -> None:
    """Seed python's, numpy's and torch's (all devices) global generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@contextmanager
def seeded_global_generators(seed: int) -> Iterator[None]:
    """Run a block on the global generators seeded with ``seed``.

    The generators' states are restored afterwards, so the block neither
    depends on nor shifts what the rest of the run draws. The block must stay
    on the CPU (only the CPU torch generator is forked).
    """
    py_state = random.getstate()
    np_state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        try:
            random.seed(seed)
            np.random.seed(seed)
            # CPU only: torch.manual_seed would also reseed (and so shift)
            # the CUDA generators, which fork_rng(devices=[]) leaves out.
            torch.default_generator.manual_seed(seed)
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def get_student(model: nn.Module) -> nn.Module:
    """The student: an MMRazor algorithm's ``architecture``, else the model."""
    if is_model_wrapper(model):
        model = model.module
    return getattr(model, 'architecture', model)


@HOOKS.register_module()
class PairedInitHook(Hook):
    """Start every run of a seed from the same student and random streams.

    Without it, a distillation run and the student-alone run of the same
    ``randomness.seed`` start from different student weights: mmengine seeds
    the global generators, then builds the model, then (in ``Runner.train``)
    calls ``init_weights`` on it. A plain ``ImageClassifier`` is the whole
    model; MMRazor's ``SingleTeacherDistill`` also builds the distiller
    (connectors) and the teacher before ``init_weights`` runs, and their
    constructors draw from the global generator, so the student's Kaiming /
    Normal initialisation is drawn from a shifted stream. So is everything
    drawn from the global generators during training: dropout, and
    augmentation in the main process (``num_workers=0``). Dataloader workers
    are seeded by mmengine's ``worker_init_fn`` from the seed alone.

    This hook

    - at ``before_run`` of training (just before the runner's
      ``init_weights``), builds a fresh student from its config
      (``model.architecture`` of an algorithm, else ``model``) and runs its
      ``init_weights`` on global generators seeded with
      ``derive_seed(runner.seed, STUDENT_INIT_STREAM)`` and restored
      afterwards, copies its parameters and buffers into the run's student
      and marks that student initialised, so the runner's ``init_weights``
      initialises the rest (connectors, a teacher without checkpoint) but
      not the student. Every parameter and buffer of the student, including
      those its constructors draw (e.g. fixed ML-Decoder queries), then
      depends only on the seed and the student's config. A ``Pretrained``
      ``init_cfg`` still loads its checkpoint (in the fresh student, whose
      weights are copied); ``load_from`` and ``resume`` load after this
      and override it as usual. The student's data preprocessor is skipped:
      it holds normalisation constants from the config, nothing drawn.
    - at ``before_train`` of a run that starts at iteration 0, reseeds
      python's, numpy's and torch's global generators with
      ``derive_seed(runner.seed, TRAIN_STREAM)``, so augmentation and
      dropout do not depend on how many modules the model built.
      A resumed run (iteration > 0) is left alone (a generator-state hook may
      restore its streams after this one).

    The data order needs nothing: ``DefaultSampler`` shuffles with its own
    generator seeded from the runner's seed.

    Caveat: an algorithm with its own ``init_cfg`` applies it to all its
    submodules, the student included, after this hook; none of mmlkd's
    configs sets one.
    """

    priority = 'VERY_HIGH'  # before other hooks see the model or generators

    def before_run(self, runner) -> None:
        # The runner builds the train loop before `before_run` only in
        # `train()`; `val()` / `test()` load their weights and never call
        # `init_weights`, so they are left alone.
        if not isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return
        student = get_student(runner.model)
        if getattr(student, 'is_init', False):
            return  # initialised already (e.g. a second train() call)
        seed = derive_seed(runner.seed, STUDENT_INIT_STREAM)
        fresh = self._build_initialised_student(runner, seed)
        self._copy_weights(fresh, student)
        student.is_init = True
        runner.logger.info(
            f'PairedInitHook: student initialised from seed {seed} '
            f'(stream {STUDENT_INIT_STREAM} of run seed {runner.seed})')

    def before_train(self, runner) -> None:
        if runner.iter != 0:
            return
        seed = derive_seed(runner.seed, TRAIN_STREAM)
        seed_all(seed)
        runner.logger.info(
            f'PairedInitHook: training generators seeded with {seed} '
            f'(stream {TRAIN_STREAM} of run seed {runner.seed})')

    @staticmethod
    def _student_cfg(runner) -> dict:
        model_cfg = runner.cfg.get('model')
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        is_algorithm = hasattr(model, 'architecture')
        cfg: Optional[dict] = None
        if isinstance(model_cfg, dict):
            cfg = model_cfg.get('architecture') if is_algorithm else model_cfg
        if not isinstance(cfg, dict):
            where = 'model.architecture' if is_algorithm else 'model'
            raise TypeError(
                f'PairedInitHook: needs the student as a config dict in '
                f'`{where}` to build it on its own generator, got '
                f'{type(cfg).__name__}; set `default_hooks.paired_init=None`'
                ' to train an already built model without it')
        return cfg

    def _build_initialised_student(self, runner, seed: int) -> nn.Module:
        cfg = copy.deepcopy(self._student_cfg(runner))
        with seeded_global_generators(seed):
            fresh = MODELS.build(cfg)
            if hasattr(fresh, 'init_weights'):
                fresh.init_weights()
        return fresh

    @staticmethod
    def _copy_weights(src: nn.Module, dst: nn.Module) -> None:
        state = {
            k: v
            for k, v in src.state_dict().items()
            if not k.startswith(_PREPROCESSOR_PREFIX)
        }
        try:
            missing, unexpected = dst.load_state_dict(state, strict=False)
        except RuntimeError as e:  # shapes differ
            raise RuntimeError(
                'PairedInitHook: the student built from its config does not '
                f"match the run's student: {e}") from e
        missing = [
            k for k in missing if not k.startswith(_PREPROCESSOR_PREFIX)
        ]
        if missing or unexpected:
            raise RuntimeError(
                'PairedInitHook: the student built from its config does not '
                f'match the run\'s student: missing {missing}, unexpected '
                f'{unexpected}')


__all__ = [
    'PairedInitHook', 'derive_seed', 'get_student', 'seed_all',
    'seeded_global_generators'
]
