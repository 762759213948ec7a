"""Vectorised multi-label metrics: per-class AP and the CP/CR/CF1/OP/OR/OF1
family.

Definitions (docs/methods.md §5, as in ML-GCN, ASL and Query2Label):

* AP of class ``c`` is scikit-learn's non-interpolated average precision,
  ``AP = sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds, so a
  run of equal scores forms one step. Cells whose target is ``-1`` (e.g. VOC
  "difficult") are left out of that class.
* With a threshold on the scores, ``CP``/``CR`` are the means over classes of
  the per-class precision / recall, ``CF1`` the F1 of ``CP`` and ``CR``;
  ``OP``/``OR``/``OF1`` pool the counts of all classes first. The top-k
  variants predict a label only when it is among the image's ``k`` highest
  scores *and* above the threshold.
* :func:`topk_gt_f1_scores` is the protocol of the L2D paper (ICCV 2023,
  the authors' ``evaluate.py``), which has no score threshold: each image
  predicts its ``k`` highest-scoring labels, ``k`` its number of true
  labels; ``OF1`` is scikit-learn's micro F1 and ``CF1`` its macro F1, the
  mean over all classes of the per-class F1 (not the F1 of ``CP``/``CR``).

All functions accept ``torch.Tensor`` (CPU or CUDA) or ``numpy.ndarray`` and
never loop over classes in Python.
"""
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[torch.Tensor, np.ndarray]

__all__ = [
    'average_precision', 'multilabel_f1_scores', 'topk_gt_f1_scores',
    'check_scores_targets'
]


def _as_tensor(x: ArrayLike, name: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach()
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    raise TypeError(f'{name} must be a torch.Tensor or numpy.ndarray, got '
                    f'{type(x).__name__}')


def check_scores_targets(
        scores: ArrayLike,
        targets: ArrayLike) -> Tuple[torch.Tensor, torch.Tensor]:
    """Validate and convert ``scores`` / ``targets`` to ``N x C`` tensors.

    Scores must be floating point without NaN; targets must hold only
    ``-1`` (ignored), ``0`` and ``1``. Errors name the offending field and,
    for NaN scores, the first image and class affected, because a NaN score
    silently sorts to one end and yields a wrong but plausible mAP.
    """
    s = _as_tensor(scores, 'scores')
    t = _as_tensor(targets, 'targets')
    if s.dim() == 1:
        s = s[:, None]
    if t.dim() == 1:
        t = t[:, None]
    if s.dim() != 2 or s.shape != t.shape:
        raise ValueError(
            f'scores and targets must both be N x C (or 1-D of length N); got '
            f'scores {tuple(s.shape)} and targets {tuple(t.shape)}')
    if t.device != s.device:
        t = t.to(s.device)
    if not s.is_floating_point():
        s = s.double()  # exact for integers below 2**53
    elif s.dtype in (torch.float16, torch.bfloat16):
        # Widening is exact, so ties and order are unchanged.
        s = s.float()
    # numpy for CPU tensors (zero-copy views): torch's threaded reductions
    # are slow on a busy 2-core machine, and these run on every evaluation.
    cpu = s.device.type == 'cpu'
    # One reduction instead of a full boolean mask in the common case; the
    # sum is NaN with any NaN cell (or with +inf and -inf, checked exactly).
    with np.errstate(invalid='ignore'):  # inf - inf: checked below
        total = float(s.numpy().sum()) if cpu else float(s.sum())
    if np.isnan(total):
        nan = torch.isnan(s)
        if bool(nan.any()):
            n, c = (int(v) for v in nan.nonzero()[0])
            raise ValueError(
                f'scores contain {int(nan.sum())} NaN value(s) (first at '
                f'image {n}, class {c}); the model output is broken (diverged '
                'training or a bad checkpoint), mAP would be meaningless')
    if t.dtype == torch.bool:
        t = t.to(torch.int8)
    if t.is_floating_point():
        bad = (t != 1) & (t != 0) & (t != -1)
        if bool(bad.any()):
            vals = t[bad].unique()[:5].tolist()
            raise ValueError(
                f'targets must be in {{-1 (ignored), 0, 1}}; found {vals}')
        t = t.to(torch.int8)
    elif t.numel():
        if cpu:
            lo, hi = t.numpy().min(), t.numpy().max()
        else:
            lo, hi = torch.aminmax(t)
        if int(lo) < -1 or int(hi) > 1:
            bad = (t < -1) | (t > 1)
            vals = t[bad].unique()[:5].tolist()
            raise ValueError(
                f'targets must be in {{-1 (ignored), 0, 1}}; found {vals}')
        # int8 makes the transposed reads of the targets 8x cheaper.
        t = torch.from_numpy(t.numpy().astype(np.int8, copy=False)) \
            if cpu else t.to(torch.int8)
    return s, t


# Layout of the int64 keys that the AP computation sorts and searches:
# ``class << 32 | (score_key + 2**31)``, where ``score_key`` is an int32 with
# the order and ties of the class's scores, and ignored cells get
# ``score_key = -2**31`` so that they sort below every real score.
_IGNORED = -2**31


def _score_keys_numpy(s: np.ndarray) -> np.ndarray:
    """``C x N`` int32 keys with the order and ties of ``s.T`` (scores
    ``N x C``)."""
    n, c = s.shape
    if s.dtype == np.float64:
        as32 = s.astype(np.float32)
        if np.array_equal(as32, s):
            s = as32
    if s.dtype == np.float32:
        f = np.empty((c, n), dtype=np.float32)
        # Transpose, and turn -0.0 into +0.0 (one tie, as in scikit-learn).
        np.add(s.T, np.float32(0), out=f)
        bits = f.view(np.int32)
        # Flip the magnitude bits of negative floats: the signed order of the
        # bit patterns is then the float order (-inf maps above _IGNORED).
        flip = bits >> 31
        flip &= 0x7FFFFFFF
        bits ^= flip
        return bits
    # float64 that float32 cannot hold: dense rank in the class (exact).
    rows = np.ascontiguousarray(s.T)
    idx = np.argsort(rows, axis=1)
    srt = np.take_along_axis(rows, idx, axis=1)
    new_run = np.ones(srt.shape, dtype=np.int32)
    new_run[:, 1:] = srt[:, 1:] != srt[:, :-1]
    keys = np.empty_like(new_run)
    np.put_along_axis(keys, idx, new_run.cumsum(1, dtype=np.int32), axis=1)
    return keys


def _ap_numpy(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-class AP on the CPU (see :func:`average_precision` for the method).

    numpy rather than torch here: its SIMD sort of values alone is several
    times faster than ``torch.sort`` (which always builds an index tensor),
    and its in-place integer ops avoid temporaries.
    """
    n, c = s.shape
    keys = _score_keys_numpy(s)
    tt = t.T
    base = (np.arange(c, dtype=np.int64) << 32) + 2**31
    # Positives, grouped by class (nonzero is row-major), then by score.
    pc, pi = np.nonzero(tt == 1)
    pos = np.sort(keys[pc, pi] + base[pc])
    if t.min() < 0:
        np.copyto(keys, np.int32(_IGNORED), where=tt < 0)
    keys.sort(axis=1)
    flat = np.add(keys, base[:, None], dtype=np.int64).reshape(-1)
    cls = pos >> 32
    n_pos = np.bincount(cls, minlength=c)
    # The classes are contiguous and sorted in ``flat`` and in ``pos``: the
    # cells (positives) of the class scoring >= s run from the insertion
    # point of s to the end of the class.
    kept_ge = (cls + 1) * n - np.searchsorted(flat, pos)
    tp_ge = np.cumsum(n_pos)[cls] - np.searchsorted(pos, pos)
    with np.errstate(invalid='ignore'):  # 0 / 0 -> NaN: no positive
        return np.bincount(cls, weights=tp_ge / kept_ge, minlength=c) / n_pos


def _ap_torch(s: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """:func:`_ap_numpy` with torch ops, so CUDA inputs stay on the device."""
    n, c = s.shape
    dev = s.device
    if s.dtype == torch.float64:
        as32 = s.float()
        if bool((as32.double() == s).all()):
            s = as32
    if s.dtype == torch.float32:
        f = torch.empty((c, n), dtype=torch.float32, device=dev)
        torch.add(s.t(), 0.0, out=f)
        keys = f.view(torch.int32)
        keys ^= (keys >> 31) & 0x7FFFFFFF
    else:
        srt, idx = torch.sort(s.t(), dim=1)
        new_run = torch.ones_like(srt, dtype=torch.int32)
        new_run[:, 1:] = srt[:, 1:] != srt[:, :-1]
        keys = torch.empty_like(new_run).scatter_(
            1, idx, new_run.cumsum(1, dtype=torch.int32))
    tt = t.t()
    base = (torch.arange(c, dtype=torch.int64, device=dev) << 32) + 2**31
    pc, pi = (tt == 1).nonzero(as_tuple=True)
    pos = torch.sort(keys[pc, pi] + base[pc]).values
    if int(t.min()) < 0:
        keys = keys.masked_fill(tt < 0, _IGNORED)
    flat = (torch.sort(keys, dim=1).values + base[:, None]).reshape(-1)
    cls = pos >> 32
    n_pos = torch.bincount(cls, minlength=c)
    kept_ge = (cls + 1) * n - torch.searchsorted(flat, pos)
    tp_ge = torch.cumsum(n_pos, 0)[cls] - torch.searchsorted(pos, pos)
    prec = tp_ge.double() / kept_ge.double()
    return torch.bincount(cls, weights=prec, minlength=c) / n_pos.double()


def average_precision(scores: ArrayLike, targets: ArrayLike) -> ArrayLike:
    """Per-class average precision, as scikit-learn's
    ``average_precision_score``.

    Args:
        scores: ``N x C`` scores (higher = more confident), no NaN.
        targets: ``N x C`` in ``{-1, 0, 1}``; ``-1`` cells are ignored for
            their class.

    Returns:
        ``C`` APs in [0, 1] (float64) of the same kind as ``scores`` (numpy
        array, or tensor on the scores' device); NaN for a class with no
        positive among its kept cells.

    Method: for a positive with score ``s``, the precision at threshold
    ``s`` is ``#positives >= s / #kept >= s`` (the whole run of ties counts)
    and ``AP_c`` is its mean over the class's positives, which is
    ``sum_k (R_k - R_{k-1}) P_k``. The scores of each class become int32 keys
    with the same order and ties (float32 bit patterns; dense ranks for
    other dtypes), one row sort orders every class, and two binary searches
    per positive give both counts. The work is one ``N x C`` sort plus
    ``O(P log N)`` for ``P`` positives; no loop over classes, and CUDA inputs
    stay on the device.
    """
    as_numpy = isinstance(scores, np.ndarray)
    s, t = check_scores_targets(scores, targets)
    n, c = s.shape
    if n == 0:
        ap = torch.full((c, ),
                        float('nan'),
                        dtype=torch.float64,
                        device=s.device)
    elif s.device.type == 'cpu':
        ap = torch.from_numpy(_ap_numpy(s.numpy(), t.numpy()))
    else:
        ap = _ap_torch(s, t)
    return ap.cpu().numpy() if as_numpy else ap


def _safe_div(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """``num / den`` with ``0 / 0 = 0`` (a class never predicted has P = 0)."""
    ok = den > 0
    return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)),
                       torch.zeros_like(num))


def _f1(p: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    return _safe_div(2 * p * r, p + r)


def _kth_largest(s: torch.Tensor, k: int) -> torch.Tensor:
    """Each row's ``k``-th highest score, shape ``N x 1`` (CPU tensors)."""
    c = s.shape[1]
    # numpy's introselect is several times faster than torch.topk here.
    part = np.partition(s.numpy(), c - k, axis=1)[:, c - k:c - k + 1]
    return torch.from_numpy(np.ascontiguousarray(part))


def _counts(s: torch.Tensor,
            t: torch.Tensor,
            thr: float,
            topk: Optional[int],
            use_numpy: Optional[bool] = None) -> Tuple[torch.Tensor, ...]:
    """Per-class TP, FP and number of positives (float64, on s's device).

    ``use_numpy`` defaults to "on the CPU"; tests set it to False to run the
    torch (CUDA) code on the CPU.
    """
    if use_numpy is None:
        use_numpy = s.device.type == 'cpu'
    if use_numpy:
        # numpy: single-threaded, but several times faster than torch's
        # threaded boolean reductions on a busy 2-core machine.
        sn, tn = s.numpy(), t.numpy()
        pred = sn >= thr
        if topk is not None:
            pred &= sn >= _kth_largest(s, topk).numpy()
        pos = tn == 1
        out = (np.count_nonzero(pred & pos, axis=0),
               np.count_nonzero(pred & (tn == 0),
                                axis=0), np.count_nonzero(pos, axis=0))
        return tuple(torch.from_numpy(x).double() for x in out)
    pred = s >= thr
    if topk is not None:
        pred &= s >= s.topk(topk, dim=1).values[:, -1:]
    pos = t == 1
    return ((pred & pos).sum(0).double(), (pred & (t == 0)).sum(0).double(),
            pos.sum(0).double())


def multilabel_f1_scores(
        scores: ArrayLike,
        targets: ArrayLike,
        thr: float = 0.5,
        topk: Optional[int] = None,
        class_mask: Optional[ArrayLike] = None) -> Dict[str, float]:
    """CP, CR, CF1, OP, OR, OF1 (fractions in [0, 1]) at a score threshold.

    Args:
        scores: ``N x C`` scores; a label is predicted when ``score >= thr``.
        targets: ``N x C`` in ``{-1, 0, 1}``; ``-1`` cells are not counted.
        thr: the threshold (0.5 for sigmoid probabilities).
        topk: when set, additionally require the label to be among the
            image's ``topk`` highest scores, i.e. its score is ``>=`` the
            image's ``topk``-th highest score (labels tied with that score
            all count, so the result does not depend on a tie-break order).
        class_mask: optional ``C`` booleans, the classes averaged in
            ``CP``/``CR`` (default: classes with at least one positive, the
            same classes as mAP). ``OP``/``OR`` always pool every class.

    Per-class precision of a class never predicted and recall of a class
    without positives are 0 (``0/0 = 0``); ``CF1 = 2 CP CR / (CP + CR)``,
    the F1 of the mean precision and mean recall (not the mean of per-class
    F1s).
    """
    s, t = check_scores_targets(scores, targets)
    if topk is not None and topk < 1:
        raise ValueError(f'topk must be >= 1, got {topk}')
    k = topk if topk is not None and topk < s.shape[1] else None
    tp, fp, n_pos = _counts(s, t, thr, k)
    fn = n_pos - tp
    if class_mask is None:
        mask = n_pos > 0
    else:
        mask = _as_tensor(class_mask, 'class_mask').to(s.device).bool()
        if mask.shape != (s.shape[1], ):
            raise ValueError(f'class_mask must have shape ({s.shape[1]},), '
                             f'got {tuple(mask.shape)}')
    if not bool(mask.any()):
        nan = float('nan')
        cp = cr = cf1 = torch.tensor(nan, dtype=torch.float64)
    else:
        cp = _safe_div(tp, tp + fp)[mask].mean()
        cr = _safe_div(tp, tp + fn)[mask].mean()
        cf1 = _f1(cp, cr)
    op = _safe_div(tp.sum(), tp.sum() + fp.sum())
    orc = _safe_div(tp.sum(), tp.sum() + fn.sum())
    return dict(
        CP=float(cp),
        CR=float(cr),
        CF1=float(cf1),
        OP=float(op),
        OR=float(orc),
        OF1=float(_f1(op, orc)))


def topk_gt_f1_scores(scores: ArrayLike,
                      targets: ArrayLike) -> Dict[str, float]:
    """OF1 and CF1 (fractions in [0, 1]) of the L2D paper's protocol.

    The protocol of ``test()`` in the L2D authors' ``evaluate.py``: for an
    image with ``k`` true labels (targets ``== 1``), the threshold is its
    ``(k+1)``-th highest score and the labels scoring strictly above it are
    predicted, i.e. its top ``k``. Labels tied with the threshold are not
    predicted, so ties at the boundary predict fewer than ``k``; an image
    without labels predicts none. With ``k = C`` (every class true) the
    reference indexes past the end and fails; here all ``C`` labels are
    predicted. Then, on the ``N x C`` prediction and target matrices,

    * ``OF1 = 2 sum(TP) / (2 sum(TP) + sum(FP) + sum(FN))``, scikit-learn's
      ``f1_score(average='micro')``;
    * ``CF1 = mean_c 2 TP_c / (2 TP_c + FP_c + FN_c)`` over **all** ``C``
      classes, scikit-learn's ``f1_score(average='macro')``; a class neither
      true nor predicted anywhere has F1 0 (scikit-learn's default
      ``zero_division='warn'``, which sets 0), and so does the pooled OF1
      of an all-empty problem.

    Targets of ``-1`` (absent from the reference, whose targets are 0/1)
    do not count toward ``k`` and their cells are left out of TP, FP and FN.

    Args:
        scores: ``N x C`` scores, no NaN.
        targets: ``N x C`` in ``{-1, 0, 1}``.

    Returns:
        ``dict(OF1=..., CF1=...)``. One top-``(max k + 1)`` selection per
        row, no loop; CUDA inputs stay on the device.
    """
    s, t = check_scores_targets(scores, targets)
    n, c = s.shape
    pos = t == 1
    k = pos.sum(1, keepdim=True)
    if c == 0:
        return dict(OF1=0.0, CF1=float('nan'))
    # The (k+1)-th highest score of each row: index k of the row's highest
    # scores in decreasing order (topk: a few times faster than a full sort
    # when images have few labels). Rows with k = C predict every label.
    k_max = int(k.max()) if n else 0
    desc = s.topk(min(k_max + 1, c), dim=1).values
    thr = desc.gather(1, k.clamp(max=desc.shape[1] - 1))
    pred = (s > thr) | (k == c)
    tp = (pred & pos).sum(0).double()
    fp = (pred & (t == 0)).sum(0).double()
    fn = (~pred & pos).sum(0).double()
    of1 = _safe_div(2 * tp.sum(), 2 * tp.sum() + fp.sum() + fn.sum())
    cf1 = _safe_div(2 * tp, 2 * tp + fp + fn).mean()
    return dict(OF1=float(of1), CF1=float(cf1))
