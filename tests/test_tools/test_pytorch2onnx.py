"""tools/deployment/pytorch2onnx.py: the exported graph answers as torch
does, at batch 1 and 3 (one dynamic batch axis), for a student checkpoint
and for the student inside a distillation checkpoint."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
import torch

import mmlkd  # noqa: F401  (compat fixes, registries)
from mmlkd_testing import ROOT, run_tool

onnx = pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')

STUDENT_CFG = osp.join(ROOT, 'configs', 'demo', 'student_alone.py')
MLD_CFG = osp.join(ROOT, 'configs', 'demo', 'mld.py')
CLASSES = [f'shape{i}' for i in range(16)]


def _tool():
    spec = importlib.util.spec_from_file_location(
        'pytorch2onnx', osp.join(ROOT, 'tools', 'deployment',
                                 'pytorch2onnx.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spread_bn(model):
    """Random BN statistics, so that scores are not all alike."""
    with torch.no_grad():
        for name, buf in model.named_buffers():
            if name.endswith('running_mean'):
                buf.normal_(0, 0.5)
            elif name.endswith('running_var'):
                buf.uniform_(0.5, 2.0)


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """Random-weight demo student and MLD distillation checkpoints, with
    the torch student of each."""
    from mmengine.config import Config
    from mmpretrain.registry import MODELS as CLS_MODELS
    from mmrazor.registry import MODELS as KD_MODELS
    tmp = tmp_path_factory.mktemp('onnx')
    meta = dict(dataset_meta=dict(classes=CLASSES))

    torch.manual_seed(0)
    student = CLS_MODELS.build(Config.fromfile(STUDENT_CFG).model)
    _spread_bn(student)
    torch.save(
        dict(state_dict=student.state_dict(), meta=meta), tmp / 'student.pth')

    cfg = Config.fromfile(MLD_CFG)
    cfg.model.teacher_ckpt = None
    torch.manual_seed(1)
    algo = KD_MODELS.build(cfg.model)
    _spread_bn(algo)
    torch.save(
        dict(state_dict=algo.state_dict(), meta=meta), tmp / 'distill.pth')
    return tmp, dict(
        student=(STUDENT_CFG, tmp / 'student.pth', student.eval()),
        distill=(MLD_CFG, tmp / 'distill.pth', algo.architecture.eval()))


def _torch_out(model, x, output):
    with torch.no_grad():
        logits = model(torch.from_numpy(x), mode='tensor')
    return (logits.sigmoid() if output == 'scores' else logits).numpy()


@pytest.mark.parametrize('which,output', [('student', 'scores'),
                                          ('distill', 'scores'),
                                          ('distill', 'logits')])
def test_onnxruntime_matches_torch_at_batch_1_and_3(checkpoints, which,
                                                    output):
    tmp, runs = checkpoints
    config, ckpt, model = runs[which]
    out = tmp / f'{which}_{output}.onnx'
    info = _tool().main(
        [config,
         str(ckpt),
         str(out), '--shape', '32', '--output', output])
    assert info['student'] is (which == 'distill')
    session = ort.InferenceSession(
        str(out), providers=['CPUExecutionProvider'])
    (inp, ), (res, ) = session.get_inputs(), session.get_outputs()
    assert inp.name == 'input' and res.name == output
    assert not isinstance(inp.shape[0], int)  # the dynamic batch axis
    assert inp.shape[1:] == [3, 32, 32] and res.shape[1] == 16
    rng = np.random.default_rng(0)
    for n in (1, 3):
        x = rng.standard_normal((n, 3, 32, 32)).astype(np.float32)
        got = session.run(None, {'input': x})[0]
        ref = _torch_out(model, x, output)
        assert got.shape == (n, 16)
        np.testing.assert_allclose(got, ref, atol=1e-5, rtol=1e-4)
    if output == 'scores':
        assert ((got >= 0) & (got <= 1)).all()
    else:
        assert (got < 0).any()  # raw logits, no sigmoid
    # What a deployment needs to know travels in the file.
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props['mmlkd.output'] == output
    assert json.loads(props['mmlkd.classes']) == CLASSES
    pre = json.loads(props['mmlkd.preprocessing'])
    assert pre['mean'] == [127.5] * 3 and pre['std'] == [64.0] * 3
    assert pre['to_rgb'] is True  # DemoShapes stores BGR, as a file loads


def test_cli_exports_and_verifies(checkpoints):
    tmp, runs = checkpoints
    config, ckpt, _ = runs['distill']
    out = tmp / 'cli.onnx'
    proc = run_tool([
        'tools/deployment/pytorch2onnx.py', config,
        str(ckpt),
        str(out), '--shape', '32', '--verify'
    ])
    assert osp.isfile(out)
    assert 'exported the student' in proc.stdout
    diff = float(proc.stdout.rsplit('max |diff| = ', 1)[1].split()[0])
    assert diff < 1e-5
    assert 'legacy TorchScript' not in proc.stderr


def test_wrong_checkpoint_is_refused(checkpoints, tmp_path):
    tmp, runs = checkpoints
    # the MLD distillation checkpoint's student is the demo student: the
    # teacher config does not fit it
    with pytest.raises(SystemExit, match='does not fit'):
        _tool().main([
            osp.join(ROOT, 'configs', 'demo', 'teacher.py'),
            str(runs['distill'][1]),
            str(tmp_path / 'x.onnx'), '--shape', '32'
        ])
