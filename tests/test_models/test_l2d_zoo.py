"""The paper's model pairs as configs: each trains with L2D's losses on
ML-Decoder heads of 768-wide embeddings, its teacher config trains the
network the pair distils from, and RepVGG's train-time form in eval mode is
its deploy form (the reference evaluates RepVGGs after fusing them)."""
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

import mmlkd  # noqa: F401

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# pair config -> (teacher config, student baseline, head widths T / S)
PAIRS = {
    'r101_to_r34_coco':
    ('r101_mldecoder_coco', 'baseline_r34_mldecoder_coco', 2048, 512),
    'r50_to_r18_coco':
    ('r50_mldecoder_coco', 'baseline_r18_mldecoder_coco', 2048, 512),
    'wrn101_to_wrn50_coco':
    ('wrn101_mldecoder_coco', 'baseline_wrn50_mldecoder_coco', 2048, 2048),
    'repvgg_a2_to_a0_coco': ('repvgg_a2_mldecoder_coco',
                             'baseline_repvgg_a0_mldecoder_coco', 1408, 1280),
    'swin_t_to_mbv2_coco':
    ('swin_t_mldecoder_coco', 'baseline_mbv2_mldecoder_coco', 768, 1280),
    'r101_to_r34_voc': ('r101_mldecoder_voc', None, 2048, 512),
    'r101_to_r34_nuswide': ('r101_mldecoder_nuswide', None, 2048, 512),
}
# The four other COCO pairs on VOC 2007 and NUS-WIDE: the COCO pair's
# networks and widths with the dataset's teacher, no baseline config.
for _pair, _teacher in (('r50_to_r18', 'r50'), ('wrn101_to_wrn50', 'wrn101'),
                        ('repvgg_a2_to_a0', 'repvgg_a2'), ('swin_t_to_mbv2',
                                                           'swin_t')):
    for _data in ('voc', 'nuswide'):
        PAIRS[f'{_pair}_{_data}'] = (f'{_teacher}_mldecoder_{_data}', None,
                                     *PAIRS[f'{_pair}_coco'][2:])
NUM_CLASSES = dict(coco=80, voc=20, nuswide=81)


def _cfg(path):
    return Config.fromfile(os.path.join(ROOT, 'configs', path + '.py'))


def _build(model_cfg, scope='mmpretrain'):
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(model_cfg)


def _shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize('pair', list(PAIRS))
def test_pair_is_the_l2d_recipe(pair):
    """Same distiller (recorders, losses, weights) as the headline config;
    the teacher is the teacher config's network (its checkpoint fits), run
    without dropout; the student is its baseline's network."""
    cfg = _cfg(f'l2d/{pair}')
    headline = _cfg('l2d/r101_to_r18_coco')
    assert cfg.model.distiller.to_dict() == \
        headline.model.distiller.to_dict()
    teacher_cfg, baseline, width_t, width_s = PAIRS[pair]
    assert cfg.model.teacher_ckpt == \
        f'work_dirs/teachers/{teacher_cfg}/epoch_30.pth'
    teacher = _cfg(f'teachers/{teacher_cfg}')
    assert teacher.train_cfg.max_epochs == 30
    assert cfg.train_cfg.max_epochs == 80
    data = pair.rsplit('_', 1)[1]
    assert teacher_cfg.endswith(f'_{data}')
    # One class count for the dataset: teacher config, teacher and student
    # heads, both data preprocessors.
    assert teacher.model.head.num_classes == \
        cfg.model.teacher.head.num_classes == \
        cfg.model.architecture.head.num_classes == \
        cfg.data_preprocessor.num_classes == \
        teacher.data_preprocessor.num_classes == NUM_CLASSES[data]
    if data == 'voc':  # VOC's difficult labels count as positive
        for c in (cfg, teacher):
            assert c.val_evaluator.difficult_as_positive is True
            assert 'MergeDifficultLabels' in [
                t['type'] for t in c.train_dataloader.dataset.pipeline
            ]
    if data != 'coco':
        # The COCO pair on another dataset: same distiller and networks but
        # for the class count.
        coco = _cfg(f"l2d/{pair.rsplit('_', 1)[0]}_coco")
        assert cfg.model.distiller.to_dict() == \
            coco.model.distiller.to_dict()
        for part in ('architecture', 'teacher'):
            ours, theirs = (c.model[part].to_dict() for c in (cfg, coco))
            ours['head'].pop('num_classes')
            theirs['head'].pop('num_classes')
            assert ours == theirs, part
    assert _shapes(_build(teacher.model)) == \
        _shapes(_build(cfg.model.teacher))
    assert cfg.model.teacher.head.dropout == 0.0
    if 'drop_path_rate' in cfg.model.teacher.backbone:
        assert cfg.model.teacher.backbone.drop_path_rate == 0.0
    if baseline is not None:
        assert _cfg(f'l2d/{baseline}').model.to_dict() == \
            cfg.model.architecture.to_dict()
    for part, width in (('teacher', width_t), ('architecture', width_s)):
        head = cfg.model[part].head
        assert (head.in_channels, head.embed_dims) == (width, 768)


@pytest.mark.parametrize('pair', list(PAIRS))
def test_pair_distils(pair):
    """One loss step of the pair on random images: the backbones' maps fit
    the heads and the two 768-wide embeddings meet in LED."""
    cfg = _cfg(f'l2d/{pair}')
    model_cfg = cfg.model
    model_cfg.teacher_ckpt = None
    model_cfg.data_preprocessor = cfg.data_preprocessor
    torch.manual_seed(0)
    algo = _build(model_cfg, 'mmrazor')
    size = 224 if 'swin' in pair else 96
    labels = [[0, 1, 2], [0, 1, 3], [0, 1, 2, 4]]
    data = algo.data_preprocessor(
        dict(
            inputs=[
                torch.randint(0, 255, (3, size, size), dtype=torch.uint8)
                for _ in labels
            ],
            data_samples=[DataSample().set_gt_label(lb) for lb in labels]),
        training=True)
    algo.train()
    losses = algo.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {
        'student.loss', 'distill.loss_mld', 'distill.loss_led'
    }
    for value in losses.values():
        assert torch.isfinite(value).all()
    assert float(losses['distill.loss_led']) > 0


def _randomise_norms(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)


@pytest.mark.parametrize('variable',
                         ['repvgg_a0_mldecoder', 'repvgg_a2_mldecoder'])
def test_repvgg_eval_equals_deploy(variable):
    """Validation runs RepVGG's train-time structure in eval mode; the
    reference evaluates the fused (deploy) form. They compute the same
    logits: the fusion is exact algebra, the difference float rounding."""
    cfg = Config.fromfile(
        os.path.join(ROOT, 'configs/_base_/models/repvgg_mldecoder.py'))
    torch.manual_seed(0)
    model = _build(cfg[variable])
    _randomise_norms(model)
    model.eval()
    x = torch.rand(2, 3, 96, 96, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        (feat_train, ) = model.backbone(x)
        logits_train = model(x, mode='tensor')
        model.backbone.switch_to_deploy()
        assert model.backbone.deploy
        assert not any(
            isinstance(m, torch.nn.BatchNorm2d)
            for m in model.backbone.modules())
        (feat_deploy, ) = model.backbone(x)
        logits_deploy = model(x, mode='tensor')
    scale = feat_train.abs().max().item()
    assert (feat_train - feat_deploy).abs().max().item() <= 1e-5 * scale
    assert (logits_train - logits_deploy).abs().max().item() <= 1e-5 * max(
        1.0,
        logits_train.abs().max().item())
