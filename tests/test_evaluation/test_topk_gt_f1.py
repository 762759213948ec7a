"""The L2D paper's OF1 / CF1 (``topk_gt_f1_scores``, ``MultiLabelMAP``'s
``OF1_topk_gt`` / ``CF1_topk_gt``) against scikit-learn run on a
transcription of the L2D authors' ``evaluate.py``."""
import warnings

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import f1_score

import mmlkd  # noqa: F401  (registers MultiLabelMAP)
from mmlkd.evaluation import topk_gt_f1_scores


def reference_preds(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``test()`` of L2D's evaluate.py up to the predictions, line for line."""
    idxs = np.sum(targets == 1, axis=1).astype(int)
    sorted_outputs = np.sort(-outputs, axis=1)
    thr = -sorted_outputs[range(len(targets)), idxs].reshape(
        len(sorted_outputs), 1)
    preds = np.zeros(outputs.shape, dtype=np.int64)
    preds[outputs > thr] = 1
    return preds


def sklearn_f1(targets: np.ndarray, preds: np.ndarray):
    """OF1 / CF1 as evaluate.py computes them (sklearn's default
    ``zero_division='warn'``: 0 with a warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UndefinedMetricWarning)
        return (f1_score(targets, preds, average='micro'),
                f1_score(targets, preds, average='macro'))


def reference(outputs, targets):
    return sklearn_f1(targets, reference_preds(outputs, targets))


def random_case(rng, n, c, levels=None, p=0.2, dtype=np.float32):
    if levels:  # few distinct values: ties everywhere, also at thresholds
        scores = rng.integers(0, levels, (n, c)) / levels
    else:
        scores = rng.random((n, c))
    targets = (rng.random((n, c)) < p).astype(np.int64)
    return scores.astype(dtype), targets


def _ties_at_threshold(scores, targets) -> int:
    """Images whose (k+1)-th highest score is tied with the k-th."""
    k = (targets == 1).sum(1)
    desc = -np.sort(-scores.astype(np.float64), axis=1)
    ok = (k > 0) & (k < scores.shape[1])
    rows = np.flatnonzero(ok)
    return int((desc[rows, k[rows] - 1] == desc[rows, k[rows]]).sum())


@pytest.mark.parametrize('levels', [None, 3, 10])
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16])
def test_matches_reference_random(levels, dtype):
    rng = np.random.default_rng(0)
    n_ties = n_empty = n_unseen = 0
    for trial in range(15):
        n, c = int(rng.integers(1, 120)), int(rng.integers(2, 12))
        scores, targets = random_case(rng, n, c, levels, dtype=dtype)
        targets[targets.sum(1) == c, 0] = 0  # k = C: the reference fails
        of1, cf1 = reference(scores, targets)
        got = topk_gt_f1_scores(scores, targets)
        assert got == pytest.approx(dict(OF1=of1, CF1=cf1), abs=1e-12)
        n_ties += _ties_at_threshold(scores, targets)
        n_empty += int((targets.sum(1) == 0).sum())
        preds = reference_preds(scores, targets)
        n_unseen += int(((targets.sum(0) == 0) & (preds.sum(0) == 0)).sum())
    # the cases exercised what they are meant to
    assert n_empty > 0
    if levels:
        assert n_ties > 0
    if levels == 3:
        assert n_unseen > 0  # classes neither true nor predicted: F1 = 0


def test_many_classes_and_torch_inputs():
    rng = np.random.default_rng(1)
    scores, targets = random_case(rng, 400, 1000, levels=50, p=0.004)
    assert (targets.sum(1) == 0).any() and (targets.sum(0) == 0).any()
    of1, cf1 = reference(scores, targets)
    want = dict(OF1=of1, CF1=cf1)
    assert topk_gt_f1_scores(scores, targets) == pytest.approx(want, abs=1e-12)
    # torch tensors (a tensor that requires grad is read, not differentiated)
    s = torch.from_numpy(scores).requires_grad_()
    got = topk_gt_f1_scores(s, torch.from_numpy(targets))
    assert got == pytest.approx(want, abs=1e-12)
    assert all(type(v) is float for v in got.values()) and s.grad is None
    # bool targets
    assert topk_gt_f1_scores(scores, targets == 1) == pytest.approx(
        want, abs=1e-12)


def test_hand_worked_ties_and_empty_images():
    scores = np.array([
        [0.9, 0.5, 0.5, 0.1],  # k=2: 0.5 is the threshold
        [0.9, 0.8, 0.5, 0.1],  # k=2: top 2
        [0.9, 0.8, 0.5, 0.1],  # k=0: nothing predicted
        [0.4, 0.4, 0.4, 0.4]
    ])  # k=1: all tied, none
    targets = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0,
                                                                   1]])
    preds = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(reference_preds(scores, targets), preds)
    # TP 2, FP 1, FN 3: OF1 = 4 / 8. Per class (TP, FP, FN): (2, 0, 0),
    # (0, 1, 1), (0, 0, 1), (0, 0, 1): F1 1, 0, 0, 0.
    got = topk_gt_f1_scores(scores, targets)
    assert got == pytest.approx(dict(OF1=4 / 8, CF1=1 / 4), abs=1e-12)
    assert got == pytest.approx(
        dict(zip(('OF1', 'CF1'), sklearn_f1(targets, preds))))


def test_all_labels_true_predicts_all():
    # k = C indexes past the end in the reference; here the top C = all.
    rng = np.random.default_rng(2)
    scores, targets = random_case(rng, 30, 5, levels=4)
    targets[:3] = 1
    with pytest.raises(IndexError):
        reference_preds(scores, targets)
    preds = reference_preds(scores[3:], targets[3:])
    preds = np.concatenate([np.ones((3, 5), np.int64), preds])
    of1, cf1 = sklearn_f1(targets, preds)
    assert topk_gt_f1_scores(scores, targets) == pytest.approx(
        dict(OF1=of1, CF1=cf1), abs=1e-12)
    one = topk_gt_f1_scores(np.array([[0.2, 0.2]]), np.array([[1, 1]]))
    assert one == dict(OF1=1.0, CF1=1.0)


def test_nothing_true_nothing_predicted_is_zero():
    # sklearn's default zero_division sets 0 (with a warning)
    z = np.zeros((4, 3), np.int64)
    assert sklearn_f1(z, z) == (0.0, 0.0)
    assert topk_gt_f1_scores(np.random.default_rng(3).random((4, 3)), z) == \
        dict(OF1=0.0, CF1=0.0)


def slow_topk_gt(scores, targets):
    """Per-cell loop with -1 cells left out (independent of the vector
    code)."""
    n, c = scores.shape
    tp, fp, fn = np.zeros(c), np.zeros(c), np.zeros(c)
    for i in range(n):
        k = int((targets[i] == 1).sum())
        thr = sorted(scores[i], reverse=True)[k] if k < c else -np.inf
        for j in range(c):
            pred = k == c or scores[i, j] > thr
            if targets[i, j] == 1:
                tp[j] += pred
                fn[j] += not pred
            elif targets[i, j] == 0:
                fp[j] += pred
    f1 = [
        2 * a / (2 * a + b + d) if 2 * a + b + d else 0.0
        for a, b, d in zip(tp, fp, fn)
    ]
    den = 2 * tp.sum() + fp.sum() + fn.sum()
    return dict(OF1=2 * tp.sum() / den if den else 0.0, CF1=float(np.mean(f1)))


def test_ignored_cells():
    rng = np.random.default_rng(4)
    scores, targets = random_case(rng, 60, 6, levels=5, p=0.3)
    targets[rng.random(targets.shape) < 0.15] = -1
    assert topk_gt_f1_scores(scores, targets) == pytest.approx(
        slow_topk_gt(scores, targets), abs=1e-12)
    # without -1 the loop is the reference
    t01 = np.maximum(targets, 0)
    t01[t01.sum(1) == 6, 0] = 0
    of1, cf1 = reference(scores, t01)
    assert slow_topk_gt(scores, t01) == pytest.approx(
        dict(OF1=of1, CF1=cf1), abs=1e-12)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_cuda_matches_reference():
    rng = np.random.default_rng(5)
    scores, targets = random_case(rng, 2000, 80, levels=20, p=0.05)
    of1, cf1 = reference(scores, targets)
    got = topk_gt_f1_scores(
        torch.from_numpy(scores).cuda(),
        torch.from_numpy(targets).cuda())
    assert got == pytest.approx(dict(OF1=of1, CF1=cf1), abs=1e-12)


def _samples(scores, targets, difficult=None):
    out = []
    for i, (s, t) in enumerate(zip(scores, targets)):
        ds = DataSample().set_pred_score(torch.as_tensor(s)).set_gt_label(
            np.flatnonzero(t == 1).tolist())
        if difficult is not None:
            ds.set_metainfo(dict(gt_label_difficult=difficult[i]))
        out.append(ds)
    return out


def _evaluate(cfg, samples):
    evaluator = Evaluator(METRICS.build(cfg))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_multilabel_map_keys():
    rng = np.random.default_rng(6)
    scores, targets = random_case(rng, 50, 7, levels=8, p=0.3)
    targets[0] = 0
    targets[1, :] = 1
    targets[1, 0] = 0
    of1, cf1 = reference(scores, targets)
    res = _evaluate(
        dict(type='MultiLabelMAP', topk_gt_f1=True), _samples(scores, targets))
    assert res['multi-label/OF1_topk_gt'] == pytest.approx(of1 * 100, abs=1e-9)
    assert res['multi-label/CF1_topk_gt'] == pytest.approx(cf1 * 100, abs=1e-9)
    # beside the ML-GCN family, which is unchanged
    assert {'multi-label/OF1', 'multi-label/CF1', 'multi-label/CF1_top3'} \
        <= set(res)
    plain = _evaluate(dict(type='MultiLabelMAP'), _samples(scores, targets))
    assert not any(k.endswith('_topk_gt') for k in plain)
    assert {k: v for k, v in res.items() if not k.endswith('_topk_gt')} == \
        plain


def test_multilabel_map_voc_difficult_as_positive():
    # The L2D VOC recipe counts difficult-only labels as true (0/1 targets,
    # as the reference's), so the keys equal the reference on those targets.
    rng = np.random.default_rng(7)
    scores, merged = random_case(rng, 40, 5, levels=6, p=0.3)
    merged[merged.sum(1) == 5, 0] = 0
    # some true labels seen only on difficult objects
    only_difficult = (merged == 1) & (rng.random(merged.shape) < 0.3)
    assert only_difficult.any()
    targets = np.where(only_difficult, 0, merged)
    difficult = [np.flatnonzero(row) for row in only_difficult]
    of1, cf1 = reference(scores, merged)
    res = _evaluate(
        dict(
            type='MultiLabelMAP', topk_gt_f1=True, difficult_as_positive=True),
        _samples(scores, targets, difficult))
    assert res['multi-label/OF1_topk_gt'] == pytest.approx(of1 * 100, abs=1e-9)
    assert res['multi-label/CF1_topk_gt'] == pytest.approx(cf1 * 100, abs=1e-9)
