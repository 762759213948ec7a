"""Every mistake of issue 10 point 7 fails early with the file, field or loss
named: corrupt checkpoints, data_idx errors, --cfg-options typos, a
distillation without a teacher checkpoint."""
import argparse
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmlkd.compat import LossMappingError
from mmlkd.utils.checkpoint_loading import CheckpointError, build_for_check
from mmlkd.utils.config_checks import ConfigError, check_config
from mmlkd.utils.launch import load_config
from mmlkd_testing import ROOT, run_tool

MLD = 'configs/demo/mld.py'


def _cfg(path: str = MLD) -> Config:
    return Config.fromfile(osp.join(ROOT, path))


def _corrupt_files(tmp_path, good: str):
    data = open(good, 'rb').read()
    files = {
        'random.pth': os.urandom(4096),
        'truncated.pth': data[:len(data) // 2],
        'empty.pth': b''
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return [str(tmp_path / n) for n in files]


@pytest.fixture
def student_ckpt(tmp_path):
    path = tmp_path / 'student.pth'
    model = build_for_check(_cfg().model.architecture, 'mmpretrain')
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, path)
    return str(path)


def test_corrupt_teacher_ckpt_is_named_without_unsafe_advice(
        tmp_path, student_ckpt):
    for path in _corrupt_files(tmp_path, student_ckpt):
        cfg = _cfg()
        cfg.model.teacher_ckpt = path
        with pytest.raises(CheckpointError) as e:
            check_config(cfg)
        msg = str(e.value)
        assert 'model.teacher_ckpt' in msg and path in msg, msg
        assert 'weights_only' not in msg, msg


def test_corrupt_resume_ckpt_is_named(tmp_path, student_ckpt):
    for path in _corrupt_files(tmp_path, student_ckpt):
        cfg = _cfg('configs/demo/student_alone.py')
        cfg.resume, cfg.load_from = True, path
        with pytest.raises(CheckpointError, match='--resume') as e:
            check_config(cfg)
        assert path in str(e.value) and 'weights_only' not in str(e.value)
    proc = run_tool([
        'tools/train.py', 'configs/demo/student_alone.py', '--resume',
        str(tmp_path / 'random.pth'), '--work-dir',
        str(tmp_path / 'w')
    ],
                    check=False)
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode != 0 and 'random.pth' in last, last
    assert 'weights_only' not in proc.stderr


def test_data_idx_error_names_the_loss():
    cfg = _cfg()
    cfg.model.teacher_ckpt = None
    # `feat` records the backbone's output: a tuple of one tensor.
    cfg.model.distiller.loss_forward_mappings.loss_mld.preds_S = dict(
        from_student=True, recorder='feat', data_idx=1)
    cfg.model.data_preprocessor = cfg.data_preprocessor
    algo = build_for_check(cfg.model, 'mmrazor')
    from mmpretrain.structures import DataSample
    data = [
        DataSample().set_gt_label([1, 3]).set_gt_score(
            torch.zeros(16).index_fill_(0, torch.tensor([1, 3]), 1.))
        for _ in range(2)
    ]
    with pytest.raises(
            LossMappingError,
            match=r'loss_forward_mappings.loss_mld.preds_S.*'
            r'data_idx.*1'):
        algo(torch.randn(2, 3, 32, 32), data, mode='loss')


def _args(*options):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    ns = parser.parse_args(['--cfg-options', *options])
    return argparse.Namespace(
        cfg_options=ns.cfg_options,
        launcher='none',
        work_dir=None,
        local_rank=0)


def test_top_level_cfg_option_typo_is_an_error():
    with pytest.raises(
            ConfigError,
            match=r"randomnes.seed.*'randomnes'.*did you mean "
            r"'randomness'"):
        load_config(osp.join(ROOT, MLD), _args('randomnes.seed=1'))
    # Known keys, new keys below them, and keys the Runner reads pass.
    cfg = load_config(
        osp.join(ROOT, MLD),
        _args('randomness.seed=3', 'resume=False',
              'model.distiller.extra_key=1'))
    assert cfg.randomness.seed == 3


def test_distillation_without_teacher_ckpt_is_an_error(tmp_path):
    cfg = _cfg()
    cfg.model.teacher_ckpt = None
    with pytest.raises(
            ConfigError, match='model.teacher_ckpt is not set.*'
            'random'):
        check_config(cfg)
    check_config(cfg, allow_random_teacher=True)
    proc = run_tool([
        'tools/train.py', MLD, '--work-dir',
        str(tmp_path), '--cfg-options', 'model.teacher_ckpt=None'
    ],
                    check=False)
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode != 0 and 'model.teacher_ckpt' in last, last


def test_damaged_checkpoint_reason_is_never_a_bare_number(tmp_path):
    import random

    from mmlkd.utils.checkpoint_loading import read_checkpoint
    path = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.randn(64, 64)}, 'meta': {}}, path)
    data = path.read_bytes()
    failures = 0
    for seed in range(120):
        rng = random.Random(seed)
        damaged = bytearray(data)
        if seed % 2:
            damaged = damaged[:rng.randrange(len(damaged))]
        else:
            for _ in range(20):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        bad = tmp_path / f'damaged_{seed}.pth'
        bad.write_bytes(bytes(damaged))
        try:
            read_checkpoint(str(bad), 'model.teacher_ckpt')
        except CheckpointError as e:
            failures += 1
            msg = str(e)
            assert msg.startswith('model.teacher_ckpt: ') and bad.name in msg
            assert ('not a complete torch checkpoint' in msg
                    or 'safe loader refuses' in msg), msg
    assert failures > 30


def test_teacher_with_nan_weights_is_named_before_training(tmp_path):
    cfg = _cfg()
    teacher = build_for_check(cfg.model.teacher, 'mmpretrain')
    state = teacher.state_dict()
    key = next(k for k, v in state.items()
               if v.is_floating_point() and k.endswith('weight'))
    state[key] = torch.full_like(state[key], float('nan'))
    path = tmp_path / 'teacher_diverged.pth'
    torch.save({'state_dict': state, 'meta': {}}, path)
    cfg.model.teacher_ckpt = str(path)
    with pytest.raises(
            ConfigError,
            match=rf'model.teacher_ckpt: .*'
            rf'teacher_diverged.pth.*non-finite.*{key}') as e:
        check_config(cfg)
    assert 'learning rate' not in str(e.value)
