"""tools/model_converters/convert_kd_ckpt_to_student.py: a distillation
checkpoint becomes a plain student checkpoint that mmpretrain's own config,
tools/test.py and mmpretrain's API load and score identically."""
import os.path as osp
import pickle
import re
import sys

import pytest
import torch

from mmlkd_testing import ROOT, TINY_DEMO, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))
from convert_kd_ckpt_to_student import (  # noqa: E402
    NotADistillationCheckpoint, convert, main)

CONVERTER = 'tools/model_converters/convert_kd_ckpt_to_student.py'


def _test_both(runs, tmp_path):
    """tools/test.py on each (config, checkpoint, tag), side by side."""
    import os
    import subprocess
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    procs = {}
    for config, ckpt, tag in runs:
        cmd = [
            sys.executable, 'tools/test.py', config,
            str(ckpt), '--work-dir',
            str(tmp_path / tag), '--out',
            str(tmp_path / f'{tag}.pkl'), '--cfg-options'
        ] + TINY_DEMO
        procs[tag] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
    results = {}
    for tag, proc in procs.items():
        log = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0, log[-3000:]
        found = re.findall(r'(\S*mAP): ([0-9.]+)', log)
        assert found, log[-2000:]
        with open(tmp_path / f'{tag}.pkl', 'rb') as f:
            results[tag] = dict(found), pickle.load(f)
    return results


def test_converted_student_scores_as_in_the_distillation_run(
        tiny_teacher_ckpt, tmp_path):
    # FitNet: the distiller holds a connector (distiller.connectors.*), so
    # the conversion must drop teacher and connector weights alike.
    run_tool([
        'tools/train.py', 'configs/fitnet/demo_fitnet.py', '--work-dir',
        str(tmp_path /
            'kd'), '--cfg-options', f'model.teacher_ckpt={tiny_teacher_ckpt}'
    ] + TINY_DEMO)
    kd_ckpt = tmp_path / 'kd' / 'epoch_1.pth'
    student_ckpt = tmp_path / 'student.pth'
    info = convert(str(kd_ckpt), str(student_ckpt))
    assert info['dropped']['teacher'] > 0 and info['dropped']['distiller'] > 0
    assert 'optimizer' in info['dropped_entries']

    raw = torch.load(kd_ckpt, map_location='cpu', weights_only=True)
    plain = torch.load(student_ckpt, map_location='cpu', weights_only=True)
    assert set(plain) == {'meta', 'state_dict'}
    expected = {
        k[len('architecture.'):]: v
        for k, v in raw['state_dict'].items() if k.startswith('architecture.')
    }
    assert set(plain['state_dict']) == set(expected)
    for k, v in expected.items():
        assert torch.equal(plain['state_dict'][k], v), k
    assert plain['meta']['dataset_meta'] == raw['meta']['dataset_meta']
    assert plain['meta']['epoch'] == 1
    assert 'SingleTeacherDistill' not in plain['meta']['cfg']
    assert 'SingleTeacherDistill' in plain['meta']['distill_cfg']

    results = _test_both(
        [('configs/fitnet/demo_fitnet.py', kd_ckpt, 'kd'),
         ('configs/demo/student_alone.py', student_ckpt, 'student')], tmp_path)
    (kd_metrics, kd_preds), (st_metrics, st_preds) = (results['kd'],
                                                      results['student'])
    assert st_metrics['multi-label/mAP'] == kd_metrics['multi-label/mAP']
    assert len(st_preds) == len(kd_preds) == 32
    for a, b in zip(st_preds, kd_preds):
        torch.testing.assert_close(a['pred_score'], b['pred_score'])


def test_converted_student_loads_in_mmpretrain_api(tmp_path):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint
    from mmpretrain.apis import get_model
    from mmrazor.registry import MODELS

    # A distillation model with random weights, saved as mmengine would.
    cfg = Config.fromfile(osp.join(ROOT, 'configs/fitnet/demo_fitnet.py'))
    cfg.model.teacher_ckpt = None
    cfg.model.data_preprocessor = cfg.data_preprocessor
    with DefaultScope.overwrite_default_scope('mmrazor'):
        algo = MODELS.build(cfg.model)
    algo.eval()  # mmrazor's train() override returns None: no chaining
    src = tmp_path / 'kd.pth'
    meta = dict(
        epoch=3,
        cfg=cfg.pretty_text,
        dataset_meta=dict(classes=list('abcdefghijklmnop')))
    torch.save(
        dict(
            meta=meta,
            state_dict=algo.state_dict(),
            optimizer={},
            message_hub={}), src)
    dst = tmp_path / 'student.pth'
    info = convert(str(src), str(dst))
    assert info['dropped']['teacher'] > 0
    assert info['dropped']['distiller'] > 0

    student_cfg = osp.join(ROOT, 'configs/demo/student_alone.py')
    model = get_model(student_cfg, pretrained=str(dst), device='cpu')
    assert model._dataset_meta['classes'][0] == 'a'
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        expected = algo.student(x, mode='tensor')
        got = model(x, mode='tensor')
    torch.testing.assert_close(got, expected)

    # Strict loading: no missing and no unexpected keys.
    s_cfg = Config.fromfile(student_cfg)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS as PRETRAIN_MODELS
        fresh = PRETRAIN_MODELS.build(s_cfg.model)
    load_checkpoint(fresh, str(dst), map_location='cpu', strict=True)

    # The embedded config is the student's and builds the same classifier.
    embedded = Config.fromstring(
        torch.load(dst, weights_only=True)['meta']['cfg'], '.py')
    assert embedded.model.type == 'ImageClassifier'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        rebuilt = PRETRAIN_MODELS.build(embedded.model)
    load_checkpoint(rebuilt, str(dst), map_location='cpu', strict=True)


def test_plain_checkpoint_is_refused_with_a_clear_error(tmp_path):
    src = tmp_path / 'plain.pth'
    torch.save(
        dict(
            meta={},
            state_dict={
                'backbone.conv1.weight': torch.zeros(1),
                'head.fc.weight': torch.zeros(1)
            }), src)
    with pytest.raises(
            NotADistillationCheckpoint,
            match='not a distillation checkpoint.*plain '
            'classifier'):
        convert(str(src), str(tmp_path / 'out.pth'))
    proc = run_tool(
        [CONVERTER, str(src), str(tmp_path / 'out.pth')], check=False)
    assert proc.returncode != 0
    assert 'plain.pth' in proc.stderr and 'architecture.' in proc.stderr
    assert not (tmp_path / 'out.pth').exists()


def test_unknown_prefix_missing_file_and_same_path_are_refused(tmp_path):
    src = tmp_path / 'odd.pth'
    torch.save(
        dict(
            state_dict={
                'architecture.head.fc.weight': torch.zeros(1),
                'ema.head.fc.weight': torch.zeros(1)
            }), src)
    with pytest.raises(NotADistillationCheckpoint, match=r"\['ema'\]"):
        convert(str(src), str(tmp_path / 'out.pth'))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        convert(str(tmp_path / 'nope.pth'), str(tmp_path / 'out.pth'))
    with pytest.raises(ValueError, match='same file'):
        convert(str(src), str(src))
    not_ckpt = tmp_path / 'list.pth'
    torch.save([torch.zeros(1)], not_ckpt)
    with pytest.raises(NotADistillationCheckpoint, match='list'):
        convert(str(not_ckpt), str(tmp_path / 'out.pth'))


def test_bare_state_dict_is_converted(tmp_path, capsys):
    src = tmp_path / 'bare.pth'
    w = torch.arange(4.)
    torch.save(
        {
            'architecture.head.fc.weight': w,
            'teacher.head.fc.weight': w + 1
        }, src)
    main([str(src), str(tmp_path / 'out.pth')])
    assert 'saved 1 student tensors' in capsys.readouterr().out
    out = torch.load(tmp_path / 'out.pth', weights_only=True)
    assert list(out['state_dict']) == ['head.fc.weight']
    assert torch.equal(out['state_dict']['head.fc.weight'], w)


def test_mmrazor_arguments_out_path_and_inplace(tmp_path, capsys):
    """mmrazor 1.0.0's convert_kd_ckpt_to_student.py takes CHECKPOINT
    [--out-path DIR] [--inplace] and writes <name>_student.pth."""
    w = torch.arange(4.)
    state = {'architecture.head.fc.weight': w, 'teacher.head.fc.weight': w + 1}
    src = tmp_path / 'epoch_3.pth'
    torch.save(state, src)
    main([str(src)])  # next to the input
    beside = torch.load(tmp_path / 'epoch_3_student.pth', weights_only=True)
    assert list(beside['state_dict']) == ['head.fc.weight']
    (tmp_path / 'out').mkdir()
    main([str(src), '--out-path', str(tmp_path / 'out')])
    assert (tmp_path / 'out' / 'epoch_3_student.pth').is_file()
    main([str(src), '--inplace'])
    replaced = torch.load(src, weights_only=True)
    assert list(replaced['state_dict']) == ['head.fc.weight']
    assert not list(tmp_path.glob('*.tmp'))
    with pytest.raises(SystemExit):  # argparse: one destination only
        main([str(src), str(tmp_path / 'x.pth'), '--inplace'])
    # a failed in-place conversion leaves the input as it was
    with pytest.raises(SystemExit, match='not a distillation'):
        main([str(src), '--inplace'])
    again = torch.load(src, weights_only=True)
    assert torch.equal(again['state_dict']['head.fc.weight'], w)
    assert not list(tmp_path.glob('*.tmp'))
