"""No code runs from a checkpoint: neither from pickled objects nor from the
config text mmengine stores in it (which ``Config.fromstring`` executes)."""
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmlkd.utils.checkpoint_loading import CheckpointError, read_checkpoint
from mmlkd.utils.config_text import (UnsafeConfigText, parse_config_text,
                                     unsafe_config_fields)
from mmlkd_testing import ROOT, TINY_DEMO, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))
from convert_kd_ckpt_to_student import convert  # noqa: E402

CONVERTER = 'tools/model_converters/convert_kd_ckpt_to_student.py'


def _payload(marker) -> str:
    return f"\n_pw = __import__('os').system('touch {marker}')\n"


def _kd_checkpoint(path, cfg_text: str, key: str = 'cfg') -> None:
    """A small distillation checkpoint whose meta holds ``cfg_text``."""
    w = torch.zeros(2, 2)
    torch.save(
        dict(
            meta={
                key: cfg_text,
                'epoch': 1,
                'iter': 3
            },
            state_dict={
                'architecture.head.fc.weight': w,
                'teacher.head.fc.weight': w
            }), path)


def _fitnet_text() -> str:
    return Config.fromfile(osp.join(
        ROOT, 'configs/fitnet/demo_fitnet.py')).pretty_text


def test_converter_does_not_run_config_text(tmp_path):
    marker = tmp_path / 'pwned'
    src, dst = tmp_path / 'kd.pth', tmp_path / 'student.pth'
    _kd_checkpoint(src, _fitnet_text() + _payload(marker))
    with pytest.raises(ValueError, match=r"refusing.*meta\['cfg'\].*line"):
        convert(str(src), str(dst))
    proc = run_tool([CONVERTER, str(src), str(dst)], check=False)
    assert proc.returncode != 0
    assert 'kd.pth' in proc.stderr and '__import__' in proc.stderr
    assert not marker.exists(), 'the checkpoint config text was executed'
    assert not dst.exists(), 'the payload was carried into a new file'


def test_converter_output_config_is_data_only(tmp_path):
    src, dst = tmp_path / 'kd.pth', tmp_path / 'student.pth'
    _kd_checkpoint(src, _fitnet_text())
    convert(str(src), str(dst))
    out = torch.load(dst, weights_only=True)
    assert unsafe_config_fields(out, str(dst)) == {}
    student = parse_config_text(out['meta']['cfg'])
    assert student.model.type == 'ImageClassifier'
    distill = parse_config_text(out['meta']['distill_cfg'])
    assert distill.model.type == 'SingleTeacherDistill'


@pytest.mark.parametrize('line', [
    "import os",
    "x = __import__('os').system('true')",
    "x = open('/etc/passwd').read()",
    "x = dict(a=print('hi'))",
    "x = y",
    "x = [i for i in range(3)]",
    "x = (lambda: 1)()",
    "x = {**globals()}",
    "x = f'{1}'",
    "model['a'] = 1",
    "x = 1 + 1",
    "exec('1')",
])
def test_parser_refuses_anything_but_literals(line):
    with pytest.raises(UnsafeConfigText, match='line 2'):
        parse_config_text(
            "a = dict(b=1, c=[1, -2.5, None, True, (1,)])\n" + line + '\n',
            'ckpt.pth')


def test_parser_reads_mmengine_config_text_as_fromstring_does():
    for config in ('configs/demo/mld.py', 'configs/fitnet/demo_fitnet.py',
                   'configs/demo/student_mldecoder.py'):
        text = Config.fromfile(osp.join(ROOT, config)).pretty_text
        expected = Config.fromstring(text, '.py')._cfg_dict.to_dict()
        assert parse_config_text(text)._cfg_dict.to_dict() == expected


def test_resume_refuses_config_code(tmp_path):
    # mmengine's Runner.resume runs meta['config'] through Config.fromstring.
    marker = tmp_path / 'pwned'
    src = tmp_path / 'epoch_1.pth'
    _kd_checkpoint(src, 'gpu_ids = [0]' + _payload(marker), key='config')
    proc = run_tool(
        [
            'tools/train.py', 'configs/demo/teacher.py', '--resume',
            str(src), '--work-dir',
            str(tmp_path / 'w'), '--cfg-options'
        ] + TINY_DEMO,
        check=False)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert 'epoch_1.pth' in last and "meta['config']" in last, last
    assert not marker.exists(), 'resume executed the checkpoint config text'


def test_pickle_payloads_stay_refused(tmp_path):
    marker = tmp_path / 'pwned'

    class Payload:

        def __reduce__(self):
            return (os.system, (f'touch {marker}', ))

    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': {'x': Payload()}}, path)
    with pytest.raises(CheckpointError, match='evil.pth.*refuses') as e:
        read_checkpoint(str(path), 'model.teacher_ckpt')
    assert 'weights_only=False' not in str(e.value)
    assert not marker.exists()
