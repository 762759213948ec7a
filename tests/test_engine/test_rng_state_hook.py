"""RNGStateHook: state round trip, safe loading, validation isolation."""
import random
from types import SimpleNamespace

import numpy as np
import torch

import mmlkd  # noqa: F401  (allow-lists mmengine's checkpoint types)
from mmlkd.engine.hooks import RNGStateHook, get_rng_state, set_rng_state


def _draw():
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


def test_state_round_trip_through_a_safe_checkpoint(tmp_path):
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    _draw()
    np.random.randn()  # leaves a cached gaussian in numpy's state
    state = get_rng_state()
    expected = _draw() + (float(np.random.randn()), )
    torch.save(dict(rng_states=[state]), tmp_path / 'c.pth')
    loaded = torch.load(tmp_path / 'c.pth', weights_only=True)
    _draw()
    set_rng_state(loaded['rng_states'][0])
    assert _draw() + (float(np.random.randn()), ) == expected


def test_validation_does_not_shift_the_training_streams():
    hook = RNGStateHook()
    torch.manual_seed(0)
    state = get_rng_state()
    expected = _draw()
    set_rng_state(state)
    hook.before_val(None)
    _draw()  # e.g. a val dataloader with workers draws its base seed
    # A best checkpoint saved during validation holds the training streams.
    checkpoint = {}
    hook.before_save_checkpoint(None, checkpoint)
    hook.after_val(None)
    assert _draw() == expected
    set_rng_state(checkpoint['rng_states'][0])
    assert _draw() == expected


def test_restores_only_on_resume():
    torch.manual_seed(0)
    saved = get_rng_state()
    expected = _draw()
    logs = []
    logger = SimpleNamespace(info=logs.append, warning=logs.append)
    loader = SimpleNamespace(sampler=SimpleNamespace(seed=7), num_workers=0)
    ckpt = dict(meta=dict(epoch=1, iter=3, seed=7), rng_states=[saved])

    def runner(resume):
        return SimpleNamespace(
            _resume=resume,
            epoch=1,
            iter=3,
            logger=logger,
            train_dataloader=loader,
            train_loop=SimpleNamespace())

    # `load_from` (fine-tuning) keeps the new run's own streams.
    hook = RNGStateHook()
    hook.after_load_checkpoint(runner(False), ckpt)
    hook.before_train(runner(False))
    assert _draw() != expected
    # `resume` continues the saved ones, and the sampler takes its seed.
    loader.sampler.seed = 123
    hook = RNGStateHook()
    hook.after_load_checkpoint(runner(True), ckpt)
    hook.before_train(runner(True))
    assert _draw() == expected
    assert loader.sampler.seed == 7
    # A checkpoint without states says so.
    hook = RNGStateHook()
    hook.after_load_checkpoint(runner(True), dict(meta=ckpt['meta']))
    hook.before_train(runner(True))
    assert 'holds no random generator states' in logs[-1]
