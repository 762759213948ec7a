"""docs/custom_dataset.md, run: every command of its marked shell blocks, in
order, on generated images, shortened to one epoch and a few images by
``--cfg-options`` (and no ImageNet download)."""
import json
import os.path as osp
import re
import shlex

import cv2
import numpy as np

from mmlkd_testing import ROOT, load_tool

DOC = osp.join(ROOT, 'docs', 'custom_dataset.md')
CLASSES = ['cat', 'dog', 'bird']


def _commands():
    text = open(DOC).read()
    blocks = re.findall(r'<!-- tutorial-commands -->\n```shell\n(.*?)```',
                        text, re.S)
    return [ln for b in blocks for ln in b.strip().splitlines()]


def _write_data(root):
    rng = np.random.default_rng(0)
    img_dir = root / 'images'
    img_dir.mkdir(parents=True)
    splits = {'train': 12, 'val': 6}
    k = 0
    for split, n in splits.items():
        items = []
        for i in range(n):
            k += 1
            name = f'{k:04d}.jpg'
            img = rng.integers(0, 255, (60 + 4 * i, 80, 3), dtype=np.uint8)
            cv2.imwrite(str(img_dir / name), img)
            labels = [CLASSES[i % 3]
                      ] + ([CLASSES[(i + 1) % 3]] if i % 2 else [])
            items.append(dict(file_name=name, labels=labels))
        (root / f'{split}.json').write_text(json.dumps(items))


def _short(config, data_root, work):
    """One epoch on the generated images, no download, no workers."""
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    opts = [f'{ld}.dataset.data_root={data_root}/' for ld in loaders]
    opts += [
        f'{ld}.{k}={v}' for ld in loaders
        for k, v in (('num_workers', 0), ('persistent_workers', False))
    ]
    opts += [
        'global_batch_size=4', 'val_dataloader.batch_size=3',
        'test_dataloader.batch_size=3', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1'
    ]
    if 'l2d_' in config:
        opts += [
            'model.architecture.backbone.init_cfg=None',
            'model.teacher.backbone.init_cfg=None',
            f'model.teacher_ckpt={work}/my_teacher/epoch_1.pth'
        ]
    else:
        opts += ['model.backbone.init_cfg=None']
    return opts


def test_tutorial_commands_run(tmp_path):
    data_root = tmp_path / 'data' / 'my_data'
    _write_data(data_root)
    work = tmp_path / 'work_dirs'
    commands = _commands()
    assert len(commands) == 8, commands
    results = {}
    for line in commands:
        line = (
            line.replace('work_dirs/', f'{work}/').replace(
                'data/my_data/', f'{data_root}/').replace(
                    'epoch_30.pth',
                    'epoch_1.pth').replace('epoch_80.pth', 'epoch_1.pth'))
        args = shlex.split(line)
        assert args[0] == 'python', line
        tool, argv = args[1], args[2:]
        if tool in ('tools/train.py', 'tools/test.py'):
            argv += ['--cfg-options'] + _short(argv[0], data_root, work)
        results[tool + ' ' + argv[0]] = load_tool(tool).main(argv)
    # The distilled and the extracted student score alike; inference names
    # the classes; the ONNX file exists.
    assert (work / 'my_l2d' / 'student.pth').is_file()
    assert (work / 'my_l2d' / 'student.onnx').is_file()
    answer = results['tools/inference.py '
                     'configs/custom/baseline_r18_mldecoder.py']
    assert len(answer[0]['scores']) == len(CLASSES)
    assert {d['name'] for d in answer[0]['labels']} <= set(CLASSES)
