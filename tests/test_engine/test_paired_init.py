"""PairedInitHook: for one seed, the student alone and every distilled student
start from the same student weights and see the same batches, and a
distillation run with every distillation weight at 0 trains exactly like the
student alone. All runs go through mmengine's Runner, as tools/train.py."""
import random

import numpy as np
import pytest
import torch
from paired_runs import (assert_same_batches, assert_same_state, tiny_config,
                         train)

from mmlkd.engine.hooks.paired_init_hook import (PairedInitHook, derive_seed,
                                                 seeded_global_generators)

STUDENT_ALONE = 'configs/demo/student_alone.py'
STUDENT_MLDECODER = 'configs/demo/student_mldecoder.py'


@pytest.fixture(scope='module')
def student_alone(tmp_path_factory):
    work = tmp_path_factory.mktemp('alone')
    return train(tiny_config(STUDENT_ALONE, str(work))), work


def test_derived_seeds_are_fixed_and_distinct():
    assert derive_seed(0, 0) == derive_seed(0, 0)
    seeds = {derive_seed(s, k) for s in range(3) for k in range(2)}
    assert len(seeds) == 6
    with pytest.raises(ValueError, match='PairedInitHook'):
        derive_seed(-1, 0)


def test_seeded_block_neither_depends_on_nor_shifts_the_global_streams():

    def draws():
        return (random.random(), np.random.rand(), torch.rand(1).item())

    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = draws()
    inside = []
    for outer_seed in (1, 2):
        random.seed(outer_seed), np.random.seed(outer_seed)
        torch.manual_seed(outer_seed)
        with seeded_global_generators(7):
            inside.append(draws())
        if outer_seed == 1:
            assert draws() == expected  # as if the block had not run
    assert inside[0] == inside[1]


@pytest.mark.parametrize(
    'config', ['configs/demo/mld.py', 'configs/fitnet/demo_fitnet.py'])
def test_distilled_student_starts_as_the_student_alone(student_alone,
                                                       tiny_teacher_ckpt,
                                                       tmp_path, config):
    # FitNet's distiller builds a connector, whose constructor and
    # init_weights draw from the global generator, as the teacher's do.
    alone, _ = student_alone
    kd = train(
        tiny_config(config, str(tmp_path), teacher_ckpt=tiny_teacher_ckpt))
    assert_same_state(alone.initial, kd.initial, f'{config}: initial student')
    assert_same_batches(alone, kd)


def test_batches_from_dataloader_workers_are_paired(tiny_teacher_ckpt,
                                                    tmp_path):
    # Workers augment on their own generators (seeded by mmengine's
    # worker_init_fn from the seed), not on the main process's.
    workers = {'train_dataloader.num_workers': 2}
    alone = train(
        tiny_config(STUDENT_ALONE, str(tmp_path / 'alone'), options=workers))
    kd = train(
        tiny_config(
            'configs/demo/mld.py',
            str(tmp_path / 'kd'),
            teacher_ckpt=tiny_teacher_ckpt,
            options=workers))
    assert_same_batches(alone, kd)
    assert_same_state(alone.initial, kd.initial, 'initial student')


@pytest.mark.parametrize(
    'config', ['configs/demo/mld.py', 'configs/fitnet/demo_fitnet.py'])
def test_zero_weight_control_trains_like_the_student_alone(
        student_alone, tiny_teacher_ckpt, tmp_path, config):
    alone, _ = student_alone
    control = train(
        tiny_config(
            config,
            str(tmp_path),
            teacher_ckpt=tiny_teacher_ckpt,
            zero_distill_weights=True))
    assert_same_batches(alone, control)
    assert_same_state(alone.final, control.final,
                      f'{config} with distillation weights 0: final student')


def test_mldecoder_pair(tmp_path):
    # The ML-Decoder student draws its fixed queries in its constructor and
    # uses dropout while training, so this pair also needs the constructor
    # draws and the training streams to be paired. No teacher checkpoint:
    # the runner initialises the teacher from the global generator.
    alone = train(tiny_config(STUDENT_MLDECODER, str(tmp_path / 'alone')))
    l2d = train(tiny_config('configs/l2d/demo_l2d.py', str(tmp_path / 'l2d')))
    control = train(
        tiny_config(
            'configs/l2d/demo_l2d.py',
            str(tmp_path / 'control'),
            zero_distill_weights=True))
    assert_same_state(alone.initial, l2d.initial, 'L2D: initial student')
    assert_same_batches(alone, l2d)
    assert_same_state(alone.final, control.final,
                      'L2D with distillation weights 0: final student')


def test_pretrained_student_keeps_its_checkpoint(student_alone, tmp_path):
    # A student whose backbone has init_cfg=Pretrained (as the ImageNet
    # students of the COCO configs): its backbone is the checkpoint's, in
    # the student alone and in the distilled student; the head is paired.
    _, work = student_alone
    ckpt = torch.load(
        work / 'epoch_1.pth', map_location='cpu',
        weights_only=True)['state_dict']
    backbone = {
        k[len('backbone.'):]: v
        for k, v in ckpt.items() if k.startswith('backbone.')
    }
    path = tmp_path / 'backbone.pth'
    torch.save(backbone, path)
    # `_delete_`: the demo backbones set init_cfg=None (PyTorch's default
    # initialisation), which a dict cannot be merged into.
    init_cfg = dict(type='Pretrained', checkpoint=str(path), _delete_=True)
    alone = train(
        tiny_config(
            STUDENT_ALONE,
            str(tmp_path / 'alone'),
            options={'model.backbone.init_cfg': init_cfg}))
    kd = train(
        tiny_config(
            'configs/demo/mld.py',
            str(tmp_path / 'kd'),
            options={'model.architecture.backbone.init_cfg': init_cfg}))
    for run in (alone, kd):
        got = {
            k[len('backbone.'):]: v
            for k, v in run.initial.items() if k.startswith('backbone.')
        }
        assert_same_state(backbone, got, 'pretrained backbone')
    assert_same_state(alone.initial, kd.initial, 'initial student')


def test_load_from_and_resume_override_the_paired_init(student_alone,
                                                       tmp_path):
    _, work = student_alone
    ckpt = torch.load(
        work / 'epoch_1.pth', map_location='cpu',
        weights_only=True)['state_dict']
    expected = {
        k: v
        for k, v in ckpt.items() if not k.startswith('data_preprocessor.')
    }
    loaded = train(
        tiny_config(
            STUDENT_ALONE,
            str(tmp_path / 'load'),
            options=dict(load_from=str(work / 'epoch_1.pth'))))
    assert_same_state(expected, loaded.initial, 'load_from')
    resumed = train(
        tiny_config(
            STUDENT_ALONE,
            str(tmp_path / 'resume'),
            options={
                'load_from': str(work / 'epoch_1.pth'),
                'resume': True,
                'train_cfg.max_epochs': 2
            }))
    assert_same_state(expected, resumed.initial, 'resume')


def test_testing_leaves_the_student_alone(student_alone, tmp_path):
    # runner.test() never initialises weights: the hook must not build the
    # student there (its Pretrained checkpoint may be absent at test time).
    from mmengine.runner import Runner
    _, work = student_alone
    cfg = tiny_config(
        STUDENT_ALONE,
        str(tmp_path),
        options={
            'model.backbone.init_cfg':
            dict(
                type='Pretrained',
                checkpoint=str(tmp_path / 'absent.pth'),
                _delete_=True),
            'load_from':
            str(work / 'epoch_1.pth')
        })
    runner = Runner.from_cfg(cfg)
    assert any(isinstance(h, PairedInitHook) for h in runner.hooks)
    metrics = runner.test()
    assert 'multi-label/mAP' in metrics


def test_a_mismatching_student_config_is_named(tmp_path):
    from mmengine.runner import Runner
    cfg = tiny_config(STUDENT_ALONE, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.cfg.model.head.num_classes = 15  # not the model that was built
    with pytest.raises(RuntimeError, match='PairedInitHook'):
        runner.train()
