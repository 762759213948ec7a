"""Checkpoints for tools/test.py, ``load_from`` and the teacher load strictly:
a checkpoint of another model is an error naming the file and the first keys
at fault, never metrics of a random model or training from scratch."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmlkd.utils.checkpoint_loading import (CheckpointError, build_for_check,
                                            load_strictly)
from mmlkd.utils.config_checks import check_config
from mmlkd_testing import ROOT, TINY_DEMO, run_tool


def _tool(name: str):
    """tools/<name>.py as a module (`test` would clash with the stdlib)."""
    spec = importlib.util.spec_from_file_location(
        f'mmlkd_tool_{name}', osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


test_tool = _tool('test')
train_tool = _tool('train')

STUDENT = 'configs/demo/student_alone.py'
MLD = 'configs/demo/mld.py'


def _cfg(path: str) -> Config:
    return Config.fromfile(osp.join(ROOT, path))


def _save(model_cfg, path, scope='mmpretrain') -> str:
    model = build_for_check(model_cfg, scope)
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ckpts')
    mld = _cfg(MLD)
    four = dict(mld.model.architecture)
    four['head'] = dict(four['head'], num_classes=4)
    return dict(
        distill=_save(mld.model, tmp / 'distill.pth', 'mmrazor'),
        student=_save(mld.model.architecture, tmp / 'student.pth'),
        teacher=_save(mld.model.teacher, tmp / 'teacher.pth'),
        four=_save(four, tmp / 'four_classes.pth'))


def _test(config, ckpt, tmp_path):
    return test_tool.main(
        [config, ckpt, '--work-dir',
         str(tmp_path), '--cfg-options'] + TINY_DEMO)


def test_distillation_ckpt_on_student_config_points_to_converter(
        ckpts, tmp_path):
    with pytest.raises(
            CheckpointError,
            match=r'distill.pth.*unexpected keys: architecture\.'
            r'.*convert_kd_ckpt_to_student'):
        _test(STUDENT, ckpts['distill'], tmp_path)


def test_four_class_head_on_sixteen_class_config(ckpts, tmp_path):
    with pytest.raises(
            CheckpointError,
            match=r'four_classes.pth.*head.fc.weight has shape '
            r'\(4, .*\) in the checkpoint, \(16, '):
        _test(STUDENT, ckpts['four'], tmp_path)


def test_teacher_ckpt_on_student_config(ckpts, tmp_path):
    with pytest.raises(
            CheckpointError,
            match=r'teacher.pth.*does not fit.*(missing|shape)'):
        _test(STUDENT, ckpts['teacher'], tmp_path)


def test_classifier_ckpt_on_distillation_config(ckpts, tmp_path):
    with pytest.raises(
            CheckpointError, match=r"student.pth.*classifier's own config"):
        _test(MLD, ckpts['student'], tmp_path)


def test_test_tool_exits_nonzero_and_names_the_file(ckpts, tmp_path):
    proc = run_tool(
        [
            'tools/test.py', STUDENT, ckpts['four'], '--work-dir',
            str(tmp_path), '--cfg-options'
        ] + TINY_DEMO,
        check=False)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert 'four_classes.pth' in last and 'head.fc.weight' in last, last
    assert 'mAP' not in proc.stdout + proc.stderr


def test_load_from_mismatch_is_an_error_before_training(ckpts, tmp_path):
    with pytest.raises(CheckpointError, match=r'load_from.*four_classes.pth'):
        train_tool.main([
            STUDENT, '--work-dir',
            str(tmp_path), '--cfg-options', f'load_from={ckpts["four"]}'
        ] + TINY_DEMO)
    assert not (tmp_path / 'epoch_1.pth').exists()


def test_teacher_ckpt_of_the_student_is_rejected(ckpts):
    cfg = _cfg(MLD)
    cfg.model.teacher_ckpt = ckpts['student']
    with pytest.raises(
            CheckpointError, match=r'model.teacher_ckpt.*'
            r'student.pth'):
        check_config(cfg)


def test_matching_checkpoints_load(ckpts):
    model = build_for_check(_cfg(STUDENT).model, 'mmpretrain')
    load_strictly(model, ckpts['student'], 'test')
    cfg = _cfg(STUDENT)
    cfg.load_from = ckpts['student']
    check_config(cfg)
    # DDP saves prefix every key with `module.`: understood.
    state = torch.load(ckpts['student'], weights_only=True)['state_dict']
    path = osp.join(osp.dirname(ckpts['student']), 'ddp.pth')
    torch.save({'state_dict': {
        f'module.{k}': v
        for k, v in state.items()
    }}, path)
    load_strictly(model, path, 'test')
