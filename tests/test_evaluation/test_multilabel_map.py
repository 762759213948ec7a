"""MultiLabelMAP through mmengine's Evaluator, against scikit-learn."""
import os
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample
from sklearn.metrics import average_precision_score

import mmlkd  # noqa: F401  (registers MultiLabelMAP)
from mmlkd.evaluation import MultiLabelMAP, multilabel_f1_scores


def make_samples(scores, targets, difficult=None):
    samples = []
    for i, (s, t) in enumerate(zip(scores, targets)):
        ds = DataSample().set_pred_score(torch.as_tensor(s)).set_gt_label(
            np.flatnonzero(t == 1).tolist())
        ds.set_metainfo(dict(img_path=f'img_{i}.jpg', sample_idx=i))
        if difficult is not None:
            ds.set_metainfo(dict(gt_label_difficult=difficult[i]))
        samples.append(ds)
    return samples


def evaluate(metric_cfg, samples, classes=None):
    evaluator = Evaluator(METRICS.build(metric_cfg))
    if classes is not None:
        evaluator.dataset_meta = dict(classes=classes)
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_keys_and_values_match_sklearn():
    rng = np.random.default_rng(0)
    scores = rng.random((30, 5)).astype(np.float32)
    scores[:10] = np.round(scores[:10], 1)  # ties
    targets = (rng.random((30, 5)) < 0.3).astype(np.int64)
    targets[0] = 1
    res = evaluate(
        dict(type='MultiLabelMAP', classwise=True),
        make_samples(scores, targets))
    ref = [
        average_precision_score(targets[:, c], scores[:, c]) for c in range(5)
    ]
    assert res['multi-label/mAP'] == pytest.approx(
        np.mean(ref) * 100, abs=1e-6)
    assert res['multi-label/AP_classwise'] == pytest.approx(
        np.array(ref) * 100, abs=1e-6)
    assert res['multi-label/num_classes_evaluated'] == 5
    f1 = multilabel_f1_scores(scores, targets, thr=0.5)
    f1_top3 = multilabel_f1_scores(scores, targets, thr=0.5, topk=3)
    for k in ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'):
        assert res[f'multi-label/{k}'] == pytest.approx(f1[k] * 100)
        assert res[f'multi-label/{k}_top3'] == pytest.approx(f1_top3[k] * 100)
    # the threshold and topk options reach the F1 family
    res = evaluate(
        dict(type='MultiLabelMAP', thr=0.3, topk=(1, 2), prefix='val'),
        make_samples(scores, targets))
    assert res['val/OF1'] == pytest.approx(
        multilabel_f1_scores(scores, targets, thr=0.3)['OF1'] * 100)
    assert 'val/CF1_top1' in res and 'val/CF1_top2' in res
    assert 'val/CF1_top3' not in res


def test_gt_score_input():
    rng = np.random.default_rng(1)
    scores = rng.random((12, 4)).astype(np.float32)
    targets = (rng.random((12, 4)) < 0.5).astype(np.int64)
    targets[0] = 1
    samples = [
        dict(
            pred_score=torch.from_numpy(s),
            gt_score=torch.from_numpy(t).float())
        for s, t in zip(scores, targets)
    ]
    res = evaluate(dict(type='MultiLabelMAP'), samples)
    ref = np.mean([
        average_precision_score(targets[:, c], scores[:, c]) for c in range(4)
    ]) * 100
    assert res['multi-label/mAP'] == pytest.approx(ref, abs=1e-6)


def test_classes_without_positive_are_left_out_and_named():
    scores = np.array([[0.9, 0.2, 0.1], [0.3, 0.8, 0.4], [0.6, 0.1, 0.7]],
                      dtype=np.float32)
    targets = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0]])
    logger = MMLogger.get_instance('test_mlmap_left_out')
    messages = []
    handler_emit = logger.warning
    logger.warning = lambda msg, *a, **k: messages.append(msg)
    try:
        res = evaluate(
            dict(type='MultiLabelMAP', classwise=True),
            make_samples(scores, targets),
            classes=['cat', 'dog', 'bird'])
    finally:
        logger.warning = handler_emit
    assert res['multi-label/num_classes_evaluated'] == 2
    assert res['multi-label/mAP'] == pytest.approx(100.0)
    assert np.isnan(res['multi-label/AP_classwise'][2])
    assert any("['bird']" in m for m in messages)


@pytest.mark.parametrize('policy, expected', [(None, -1), (True, 1),
                                              (False, 0)])
def test_difficult_policy(policy, expected):
    metric = MultiLabelMAP(difficult_as_positive=policy)
    # class 1: only difficult objects -> policy; class 0: a normal object
    # and a difficult one -> stays positive.
    sample = dict(
        pred_score=torch.tensor([0.9, 0.5, 0.1]),
        gt_label=torch.tensor([0]),
        gt_label_difficult=[0, 1])
    metric.process(None, [sample])
    np.testing.assert_array_equal(metric.results[0]['target'],
                                  [1, expected, 0])


@pytest.mark.parametrize('policy', [None, True, False])
def test_difficult_targets_match_mmpretrain_voc_mixin(policy):
    """The difficult rule equals mmpretrain's VOCMetricMixin on VOC samples."""
    from mmengine.evaluator import BaseMetric
    from mmpretrain.evaluation.metrics.voc_multi_label import VOCMetricMixin

    class Reference(VOCMetricMixin, BaseMetric):

        def compute_metrics(self, results):
            return {}

    rng = np.random.default_rng(5)
    ours = MultiLabelMAP(difficult_as_positive=policy)
    ref = Reference(difficult_as_positive=policy)
    for _ in range(40):
        labels = np.flatnonzero(rng.random(6) < 0.4).tolist()
        difficult = np.flatnonzero(rng.random(6) < 0.3).tolist()
        sample = dict(
            pred_score=torch.rand(6),
            gt_label=torch.tensor(labels, dtype=torch.long),
            gt_label_difficult=difficult)
        ours.process(None, [sample])
        ref.process(None, [sample])
    for a, b in zip(ours.results, ref.results):
        np.testing.assert_array_equal(a['target'], b['gt_score'].numpy())


def test_difficult_ignored_matches_sklearn_on_kept():
    rng = np.random.default_rng(2)
    scores = rng.random((25, 3)).astype(np.float32)
    targets = (rng.random((25, 3)) < 0.4).astype(np.int64)
    targets[0] = 1
    difficult = [[] for _ in range(25)]
    kept = np.ones((25, 3), dtype=bool)
    for i in range(1, 25, 4):
        c = int(rng.integers(3))
        if targets[i, c] == 0:
            difficult[i] = [c]
            kept[i, c] = False
    res = evaluate(
        dict(type='MultiLabelMAP', classwise=True),
        make_samples(scores, targets, difficult))
    ref = [
        average_precision_score(targets[kept[:, c], c], scores[kept[:, c], c])
        * 100 for c in range(3)
    ]
    assert res['multi-label/AP_classwise'] == pytest.approx(ref, abs=1e-6)


def test_bad_inputs_name_the_image():
    metric = MultiLabelMAP()
    bad = DataSample().set_pred_score(torch.tensor([0.1, float('nan')]))
    bad.set_gt_label([0]).set_metainfo(dict(img_path='broken.jpg'))
    with pytest.raises(ValueError, match="NaN.*broken.jpg"):
        metric.process(None, [bad.to_dict()])
    with pytest.raises(ValueError, match=r"\[5\] out of range.*'x.jpg'"):
        metric.process(None, [
            dict(
                pred_score=torch.zeros(3),
                gt_label=torch.tensor([5]),
                img_path='x.jpg')
        ])
    with pytest.raises(ValueError, match='gt_score must be a multi-hot'):
        metric.process(None, [
            dict(
                pred_score=torch.zeros(3),
                gt_score=torch.tensor([0.2, 0.8, 0.0]))
        ])
    with pytest.raises(ValueError, match='topk'):
        MultiLabelMAP(topk=0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _ddp_worker(rank, world, port, scores, targets, out_file):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    # mmengine gathers CPU results through a temporary folder in the cwd.
    os.chdir(os.path.dirname(out_file))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        metric = MultiLabelMAP(classwise=True)
        # DistributedSampler order (rank r gets r, r + world, ...) with the
        # last sample repeated as padding, as mmengine's DefaultSampler does.
        n = len(scores)
        idx = list(range(n)) + [n - 1] * (-n % world)
        mine = idx[rank::world]
        metric.process(None, [
            dict(
                pred_score=torch.from_numpy(scores[i]),
                gt_label=torch.from_numpy(np.flatnonzero(targets[i] == 1)))
            for i in mine
        ])
        res = metric.evaluate(n)
        if rank == 0:
            torch.save(res, out_file)
    finally:
        dist.destroy_process_group()


def test_ddp_gathers_all_ranks(tmp_path):
    rng = np.random.default_rng(3)
    scores = rng.random((23, 4)).astype(np.float32)  # odd: sampler pads
    targets = (rng.random((23, 4)) < 0.4).astype(np.int64)
    targets[0] = 1
    out = str(tmp_path / 'res.pt')
    # fork: the workers inherit the imported packages (spawn re-imports them,
    # which takes most of a minute on 2 busy cores).
    mp.start_processes(
        _ddp_worker,
        args=(2, _free_port(), scores, targets, out),
        nprocs=2,
        join=True,
        start_method='fork')
    res = torch.load(out)
    ref = [
        average_precision_score(targets[:, c], scores[:, c]) * 100
        for c in range(4)
    ]
    assert res['multi-label/AP_classwise'] == pytest.approx(ref, abs=1e-6)
