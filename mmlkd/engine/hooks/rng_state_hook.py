"""Random generator states in checkpoints, restored on resume."""
import functools
import random
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .utils import checkpoint_by_epoch, checkpoint_due_after_iter

RNGState = Dict[str, Any]


def get_rng_state() -> RNGState:
    """This process's python, numpy, torch (and CUDA) generator states.

    Stored as lists, ints and tensors so that torch's ``weights_only``
    loader reads them back without extra allow-listed types.
    """
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    state = dict(
        python=[version, list(internal), gauss],
        numpy=[
            name,
            keys.astype(np.int64).tolist(),
            int(pos),
            int(has_gauss),
            float(cached)
        ],
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: RNGState) -> None:
    """Inverse of :func:`get_rng_state`."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state(
        (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    cuda = state.get('cuda')
    if cuda is not None and torch.cuda.is_available() and len(
            cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make ``--resume`` continue the random streams of the unbroken run.

    mmengine's resume restores weights, optimizer, schedulers and the seed,
    and reseeds the generators with that seed: the next epoch's augmentation
    (e.g. ``RandomFlip``, drawn from numpy's global generator in the main
    process when ``num_workers=0``), dropout and mixup then differ from the
    run that was not interrupted. This hook

    - writes python's, numpy's, torch's (and CUDA's) global generator
      states of every rank at the point a checkpoint is saved into it as
      ``rng_states`` (one entry per rank; under DDP gathered before
      ``CheckpointHook`` runs);
    - restores them at ``before_train`` of a resumed run, after the
      runner's model initialisation and reseeding, so the first resumed
      epoch starts from the same states;
    - points the train sampler and the workers' ``worker_init_fn`` at the
      checkpoint's seed: mmengine builds the train dataloader with the
      config's seed before resume reads the checkpoint's, so a config
      without a fixed seed reshuffled differently after resume;
    - snapshots the states before validation and restores them after it,
      so evaluating (which may draw random numbers, e.g. when a dataloader
      with workers starts) does not shift the training streams. A run with
      and without validation therefore trains identically.

    Dataloader workers: mmengine seeds each worker from
    ``seed + rank * num_workers + worker_id`` whenever the workers start,
    i.e. at every epoch unless ``persistent_workers=True``. A resumed epoch
    therefore starts its workers exactly as the unbroken run did. Persistent
    workers carry their generators across epochs inside processes a
    checkpoint cannot reach; with them the resume is exact except for the
    workers' augmentation, and a warning says so.

    ``EpochBasedTrainLoop`` checkpoints at epoch ends, so a run killed in
    the middle of an epoch resumes at the start of that epoch (from the
    last epoch checkpoint) and repeats it exactly. ``IterBasedTrainLoop``
    re-reads the skipped batches on resume, which draws augmentation
    numbers again; a warning says the resume is then not exact.
    """

    priority = 'ABOVE_NORMAL'  # capture before CheckpointHook saves

    def __init__(self) -> None:
        self._captured: Optional[List[RNGState]] = None
        self._loaded: Optional[Dict[str, Any]] = None
        self._before_val: Optional[RNGState] = None

    # ---- saving -------------------------------------------------------
    # Runner.save_checkpoint runs on rank 0 only, so under DDP the ranks'
    # states are gathered beforehand, where every rank passes: at the epoch
    # end or iteration a checkpoint follows, and before validation (for
    # `save_best`). A single process reads its state when saving.
    @staticmethod
    def _gather(state: RNGState) -> List[RNGState]:
        return all_gather_object(state)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if get_world_size() > 1 and checkpoint_due_after_iter(runner):
            self._captured = self._gather(get_rng_state())

    def after_train_epoch(self, runner) -> None:
        if get_world_size() > 1 and checkpoint_by_epoch(runner):
            self._captured = self._gather(get_rng_state())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if get_world_size() == 1:
            # During validation (best checkpoint) the training streams are
            # the ones saved before it.
            state = self._before_val
            checkpoint['rng_states'] = [
                state if state is not None else get_rng_state()
            ]
        elif self._captured is not None:
            checkpoint['rng_states'] = self._captured

    # ---- validation does not shift the training streams -----------------
    def before_val(self, runner) -> None:
        self._before_val = get_rng_state()
        if get_world_size() > 1:
            self._captured = self._gather(self._before_val)

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            set_rng_state(self._before_val)
            self._before_val = None

    # ---- resuming -------------------------------------------------------
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta', {})
        self._loaded = dict(
            states=checkpoint.get('rng_states'),
            epoch=meta.get('epoch'),
            iter=meta.get('iter'),
            seed=meta.get('seed'))

    def _is_resuming(self, runner) -> bool:
        # after_load_checkpoint also runs for `load_from` (fine-tuning), whose
        # generator states belong to another run.
        loaded = self._loaded
        return (loaded is not None and bool(getattr(runner, '_resume', False))
                and loaded['iter'] == runner.iter
                and loaded['epoch'] == runner.epoch)

    def before_train(self, runner) -> None:
        if not self._is_resuming(runner):
            return
        loaded, self._loaded = self._loaded, None
        self._align_train_seed(runner, loaded['seed'])
        loop = type(runner.train_loop).__name__
        if loop == 'IterBasedTrainLoop' and runner.iter > 0:
            runner.logger.warning(
                'RNGStateHook: IterBasedTrainLoop re-reads the first '
                f'{runner.iter} batches on resume, which draws augmentation '
                'numbers again: the resumed run is not bit-identical to an '
                'unbroken one')
        loader = runner.train_dataloader
        if getattr(loader, 'persistent_workers', False) and getattr(
                loader, 'num_workers', 0) > 0:
            runner.logger.warning(
                'RNGStateHook: persistent dataloader workers keep their '
                'augmentation generators across epochs, out of a '
                "checkpoint's reach: after resume they restart from their "
                'seeds, so augmentation differs from the unbroken run')
        states = loaded['states']
        if states is None:
            runner.logger.warning(
                'RNGStateHook: the resumed checkpoint holds no random '
                'generator states (written without this hook): generators '
                'restart from the seed, so augmentation, dropout and mixup '
                'differ from an unbroken run')
            return
        world = get_world_size()
        if len(states) != world:
            runner.logger.warning(
                f'RNGStateHook: the checkpoint holds generator states of '
                f'{len(states)} processes, this run has {world}: each rank '
                'takes rank (r mod saved) and the run is not identical to an '
                'unbroken one')
        set_rng_state(states[get_rank() % len(states)])
        runner.logger.info('RNGStateHook: restored the random generator '
                           'states of the resumed checkpoint')

    @staticmethod
    def _align_train_seed(runner, seed: Optional[int]) -> None:
        if seed is None:
            return
        loader = runner.train_dataloader
        sampler = getattr(loader, 'sampler', None)
        if getattr(sampler, 'seed', seed) != seed:
            runner.logger.info(
                f'RNGStateHook: train sampler seed {sampler.seed} -> {seed} '
                '(the seed of the resumed checkpoint)')
            sampler.seed = seed
        init_fn = getattr(loader, 'worker_init_fn', None)
        if isinstance(init_fn, functools.partial) and init_fn.keywords.get(
                'seed', seed) != seed:
            loader.worker_init_fn = functools.partial(
                init_fn.func, *init_fn.args,
                **dict(init_fn.keywords, seed=seed))


__all__ = ['RNGStateHook', 'get_rng_state', 'set_rng_state']
