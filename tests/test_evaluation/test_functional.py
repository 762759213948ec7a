"""average_precision against scikit-learn, and the F1 family against
hand-worked cases and a slow per-class loop."""
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from mmlkd.evaluation import average_precision, multilabel_f1_scores
from mmlkd.evaluation.functional import (_ap_numpy, _ap_torch,
                                         check_scores_targets)


def sklearn_ap(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """scikit-learn on each column's kept cells; NaN without a positive."""
    out = np.full(scores.shape[1], np.nan)
    for c in range(scores.shape[1]):
        keep = targets[:, c] >= 0
        if (targets[keep, c] == 1).any():
            out[c] = average_precision_score(targets[keep, c], scores[keep, c])
    return out


def random_case(rng, n, c, ties: bool, ignored: bool, dtype=np.float32):
    if ties:  # few distinct values: long runs of ties
        scores = rng.integers(-3, 4, (n, c)) / 3
    else:
        scores = rng.standard_normal((n, c))
    targets = (rng.random((n, c)) < 0.3).astype(np.int64)
    if ignored:
        targets[rng.random((n, c)) < 0.15] = -1
    return scores.astype(dtype), targets


@pytest.mark.parametrize('ties', [False, True])
@pytest.mark.parametrize('ignored', [False, True])
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16])
def test_matches_sklearn(ties, ignored, dtype):
    rng = np.random.default_rng(0)
    for trial in range(20):
        n, c = int(rng.integers(1, 80)), int(rng.integers(1, 7))
        scores, targets = random_case(rng, n, c, ties, ignored, dtype)
        ref = sklearn_ap(scores.astype(np.float64), targets)
        got = average_precision(scores, targets)
        assert isinstance(got, np.ndarray) and got.shape == (c, )
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)


def test_float64_not_representable_in_float32():
    # Distinct float64 scores that collapse to one float32 value must stay
    # distinct (dense-rank path), and exact float64 ties must stay ties.
    rng = np.random.default_rng(1)
    base = rng.random((60, 3))
    scores = np.concatenate([base, base + 1e-12, base[:10]])
    targets = (rng.random(scores.shape) < 0.4).astype(np.int64)
    targets[0] = 1
    np.testing.assert_allclose(
        average_precision(scores, targets),
        sklearn_ap(scores, targets),
        rtol=0,
        atol=1e-9)
    assert (scores.astype(np.float32)[:60] == scores.astype(
        np.float32)[60:120]).all()


def test_hand_worked_ties():
    # Thresholds 0.9 (P=1, R=1/2) and 0.8 (the tie: P=2/3, R=1).
    scores = np.array([[0.9], [0.8], [0.8], [0.1]], dtype=np.float32)
    targets = np.array([[1], [0], [1], [0]])
    assert average_precision(scores, targets)[0] == pytest.approx(
        0.5 * 1 + 0.5 * 2 / 3, abs=1e-12)


def test_special_values():
    # -0.0 and +0.0 are one tie; infinities and negative scores sort right.
    scores = np.array([[-0.0], [0.0], [np.inf], [-np.inf], [-5.0], [3.0]],
                      dtype=np.float32)
    targets = np.array([[1], [0], [1], [0], [1], [0]])
    finite = np.nan_to_num(scores[:, 0], posinf=1e30, neginf=-1e30)
    ref = average_precision_score(targets[:, 0], finite)  # rejects inf
    assert average_precision(scores, targets)[0] == pytest.approx(
        ref, abs=1e-12)


def test_no_positive_and_all_ignored_give_nan():
    scores = np.random.default_rng(2).random((5, 3))
    targets = np.array([[1, 0, -1]] * 5)
    targets[2, 0] = 0
    ap = average_precision(scores, targets)
    assert not np.isnan(ap[0]) and np.isnan(ap[1]) and np.isnan(ap[2])
    assert np.isnan(average_precision(np.zeros((0, 4)), np.zeros((0, 4))))\
        .all()


def test_torch_io_and_torch_path():
    rng = np.random.default_rng(3)
    scores, targets = random_case(rng, 200, 9, ties=True, ignored=True)
    ref = sklearn_ap(scores, targets)
    got = average_precision(
        torch.from_numpy(scores), torch.from_numpy(targets))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), ref, rtol=0, atol=1e-9)
    # The torch implementation (used for CUDA tensors) run on the CPU.
    for dtype in (np.float32, np.float64):
        s, t = check_scores_targets(
            torch.from_numpy(scores.astype(dtype)), torch.from_numpy(targets))
        np.testing.assert_allclose(
            _ap_torch(s, t).numpy(), ref, rtol=0, atol=1e-9)
        np.testing.assert_allclose(
            _ap_numpy(s.numpy(), t.numpy()), ref, rtol=0, atol=1e-9)
    s64 = torch.from_numpy(scores.astype(np.float64) + 1e-12)
    s, t = check_scores_targets(s64, torch.from_numpy(targets))
    np.testing.assert_allclose(
        _ap_torch(s, t).numpy(),
        sklearn_ap(s64.numpy(), targets),
        rtol=0,
        atol=1e-9)
    # bool and float targets, 1-D inputs
    np.testing.assert_allclose(
        average_precision(scores, targets == 1),
        sklearn_ap(scores, (targets == 1).astype(int)),
        atol=1e-9)
    np.testing.assert_allclose(
        average_precision(scores[:, 0], targets[:, 0].astype(np.float32)),
        ref[:1],
        atol=1e-9)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_cuda_matches_sklearn():
    rng = np.random.default_rng(4)
    scores, targets = random_case(rng, 500, 20, ties=True, ignored=True)
    got = average_precision(
        torch.from_numpy(scores).cuda(),
        torch.from_numpy(targets).cuda())
    assert got.is_cuda
    np.testing.assert_allclose(
        got.cpu().numpy(), sklearn_ap(scores, targets), rtol=0, atol=1e-9)


def test_bad_inputs():
    scores = np.random.default_rng(5).random((4, 3)).astype(np.float32)
    targets = np.zeros((4, 3))
    bad = scores.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match='NaN.*image 2, class 1'):
        average_precision(bad, targets)
    with pytest.raises(ValueError, match=r'targets must be in .*found \[2'):
        average_precision(scores, targets + 2)
    with pytest.raises(ValueError, match=r'targets must be in .*0\.5'):
        average_precision(scores, targets + 0.5)
    with pytest.raises(ValueError, match=r'scores \(4, 3\).*targets \(4, 2\)'):
        average_precision(scores, targets[:, :2])
    with pytest.raises(TypeError, match='scores must be'):
        average_precision(scores.tolist(), targets)
    # +inf and -inf together make the sum NaN: not an error without NaN.
    ok = scores.copy()
    ok[0, 0], ok[1, 0] = np.inf, -np.inf
    average_precision(ok, targets)


def slow_f1(scores, targets, thr, topk, class_mask):
    """Per-class counting with Python loops (independent of the vectorised
    code)."""
    n, c = scores.shape
    tp, fp, fn = np.zeros(c), np.zeros(c), np.zeros(c)
    for i in range(n):
        top = set(np.argsort(-scores[i], kind='stable')[:topk]) if topk \
            else set(range(c))
        for j in range(c):
            if targets[i, j] < 0:
                continue
            pred = scores[i, j] >= thr and j in top
            tp[j] += pred and targets[i, j] == 1
            fp[j] += pred and targets[i, j] == 0
            fn[j] += (not pred) and targets[i, j] == 1
    div = lambda a, b: a / b if b > 0 else 0.0  # noqa: E731
    cp = np.mean(
        [div(tp[j], tp[j] + fp[j]) for j in range(c) if class_mask[j]])
    cr = np.mean(
        [div(tp[j], tp[j] + fn[j]) for j in range(c) if class_mask[j]])
    op, orc = div(tp.sum(),
                  tp.sum() + fp.sum()), div(tp.sum(),
                                            tp.sum() + fn.sum())
    return dict(
        CP=cp,
        CR=cr,
        CF1=div(2 * cp * cr, cp + cr),
        OP=op,
        OR=orc,
        OF1=div(2 * op * orc, op + orc))


def test_f1_hand_worked():
    scores = np.array([[0.9, 0.6, 0.1], [0.2, 0.7, 0.8], [0.55, 0.4, 0.3]])
    targets = np.array([[1, 0, 0], [0, 1, 1], [0, 1, 0]])
    # thr 0.5: class P/R = (1/2, 1), (1/2, 1/2), (1, 1); pooled TP 3, FP 2,
    # FN 1
    got = multilabel_f1_scores(scores, targets, thr=0.5)
    want = dict(CP=2 / 3, CR=5 / 6, CF1=20 / 27, OP=3 / 5, OR=3 / 4, OF1=2 / 3)
    assert got == pytest.approx(want, abs=1e-12)
    # top-1: predictions (0), (2), (0); class 1 never predicted -> P = 0
    got = multilabel_f1_scores(scores, targets, thr=0.5, topk=1)
    want = dict(CP=1 / 2, CR=2 / 3, CF1=4 / 7, OP=2 / 3, OR=1 / 2, OF1=4 / 7)
    assert got == pytest.approx(want, abs=1e-12)
    # CF1 is the F1 of CP and CR, not the mean of per-class F1 (= 0.7222)
    assert multilabel_f1_scores(scores, targets)['CF1'] != pytest.approx(
        np.mean([2 / 3, 1 / 2, 1]))


@pytest.mark.parametrize('topk', [None, 1, 3])
def test_f1_against_slow_loop(topk):
    rng = np.random.default_rng(6)
    scores = rng.random((40, 6))
    targets = (rng.random((40, 6)) < 0.3).astype(np.int64)
    targets[rng.random((40, 6)) < 0.1] = -1
    targets[:, 5] = np.where(targets[:, 5] == 1, 0, targets[:, 5])
    mask = (targets == 1).any(0)
    assert not mask[5]
    got = multilabel_f1_scores(
        torch.from_numpy(scores),
        torch.from_numpy(targets),
        thr=0.4,
        topk=topk)
    assert got == pytest.approx(
        slow_f1(scores, targets, 0.4, topk, mask), abs=1e-12)
    all_cls = np.ones(6, dtype=bool)
    got = multilabel_f1_scores(
        scores, targets, thr=0.4, topk=topk, class_mask=all_cls)
    assert got == pytest.approx(
        slow_f1(scores, targets, 0.4, topk, all_cls), abs=1e-12)


def test_topk_ties_at_the_boundary_all_count():
    # Top-2 of (0.9, 0.7, 0.7, 0.1): the two 0.7 tie for second place, both
    # are predicted (no arbitrary tie-break): TP 2 (classes 0, 1), FP 1.
    scores = np.array([[0.9, 0.7, 0.7, 0.1]])
    targets = np.array([[1, 1, 0, 0]])
    got = multilabel_f1_scores(scores, targets, thr=0.5, topk=2)
    assert got['OP'] == pytest.approx(2 / 3) and got['OR'] == 1.0
    assert multilabel_f1_scores(scores, targets, thr=0.5, topk=1)['OR'] == 0.5


@pytest.mark.parametrize('topk', [None, 2])
def test_f1_counts_torch_path_equals_numpy_path(topk):
    from mmlkd.evaluation.functional import _counts
    rng = np.random.default_rng(7)
    scores = np.round(rng.random((50, 5)), 1)  # ties at the top-k boundary
    targets = rng.integers(-1, 2, (50, 5))
    s, t = check_scores_targets(scores, targets)
    a = _counts(s, t, 0.35, topk, use_numpy=True)
    b = _counts(s, t, 0.35, topk, use_numpy=False)
    for x, y in zip(a, b):
        assert torch.equal(x, y)
