"""``MultiLabelMAP``: mAP, per-class AP and the CP/CR/CF1/OP/OR/OF1 family."""
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.registry import METRICS

from .functional import (average_precision, multilabel_f1_scores,
                         topk_gt_f1_scores)


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


@METRICS.register_module()
class MultiLabelMAP(BaseMetric):
    """Multi-label evaluation with the standard ML-GCN / ASL metrics.

    Reported (in percent, keys prefixed ``multi-label/``):

    * ``mAP``: mean over classes of scikit-learn's average precision
      (:func:`mmlkd.evaluation.average_precision`, ties as one step). Classes
      without a positive among the evaluated images are left out of the mean,
      reported in ``num_classes_evaluated`` and named in a log warning.
    * ``CP``, ``CR``, ``CF1``, ``OP``, ``OR``, ``OF1`` with a label predicted
      when its score is ``>= thr``, and the same with ``_top{k}`` appended
      for each ``k`` in ``topk`` (predicted only if also among the image's
      ``k`` highest scores). ``CF1`` is the F1 of ``CP`` and ``CR``.
    * ``OF1_topk_gt`` and ``CF1_topk_gt`` if ``topk_gt_f1``: the L2D paper's
      OF1 / CF1 (:func:`mmlkd.evaluation.topk_gt_f1_scores`, the authors'
      ``evaluate.py``). No threshold: each image predicts its ``k``
      highest-scoring labels, ``k`` its number of true labels;
      ``OF1_topk_gt`` is the micro F1 and ``CF1_topk_gt`` the **mean of the
      per-class F1** over all classes (scikit-learn's macro F1), a different
      formula from ``CF1`` above. The L2D-recipe dataset bases
      (``configs/_base_/datasets/*_l2d.py``) turn them on.
    * ``AP_classwise`` (list, NaN for left-out classes) if ``classwise``.

    Targets come from ``gt_label`` (class indices) or, without it, from a
    multi-hot ``gt_score``. Samples carrying ``gt_label_difficult`` (VOC)
    get a label present only on difficult objects set by
    ``difficult_as_positive``: ``None`` ignores it for that class (target
    -1, the VOC convention), ``True`` counts it as positive (the L2D
    reference), ``False`` as negative.

    Each sample is stored on its own (not per batch), so mmengine's
    ``collect_results`` can gather the ranks under DDP and drop the samples
    the distributed sampler padded.

    Args:
        thr: score threshold of the F1 family (scores are sigmoid outputs).
        topk: the ``k`` of the top-k variants; ``()`` for none.
        topk_gt_f1: also report ``OF1_topk_gt`` and ``CF1_topk_gt``.
        classwise: also return ``AP_classwise``.
        difficult_as_positive: see above.
        collect_device: ``'cpu'`` or ``'gpu'``, used to gather across ranks.
        prefix: key prefix, ``'multi-label'`` by default (as mmpretrain).
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self,
                 thr: float = 0.5,
                 topk: Union[int, Sequence[int]] = (3, ),
                 classwise: bool = False,
                 topk_gt_f1: bool = False,
                 difficult_as_positive: Optional[bool] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(topk, int):
            topk = (topk, )
        if any(int(k) < 1 for k in topk):
            raise ValueError(f'MultiLabelMAP: topk values must be >= 1, got '
                             f'{tuple(topk)}')
        self.thr = float(thr)
        self.topk = tuple(int(k) for k in topk)
        self.classwise = classwise
        self.topk_gt_f1 = bool(topk_gt_f1)
        self.difficult_as_positive = difficult_as_positive

    @staticmethod
    def _describe(sample: dict, i: int) -> str:
        for key in ('img_path', 'sample_idx'):
            if key in sample:
                return f'{key}={sample[key]!r}'
        return f'sample {i} of the batch'

    def _target(self, sample: dict, num_classes: int, i: int) -> np.ndarray:
        target = np.zeros(num_classes, dtype=np.int8)
        if 'gt_label' in sample:
            labels = _to_numpy(sample['gt_label']).astype(np.int64).ravel()
            bad = (labels < 0) | (labels >= num_classes)
            if bad.any():
                raise ValueError(
                    f'MultiLabelMAP: gt_label {labels[bad].tolist()} out of '
                    f'range [0, {num_classes}) for {self._describe(sample, i)}'
                    f' (pred_score has {num_classes} classes)')
            target[labels] = 1
        elif 'gt_score' in sample:
            score = _to_numpy(sample['gt_score']).ravel()
            if score.shape != (num_classes, ) or not np.isin(
                    score, (-1, 0, 1)).all():
                raise ValueError(
                    'MultiLabelMAP: gt_score must be a multi-hot vector of '
                    f'length {num_classes} in {{-1, 0, 1}} for '
                    f'{self._describe(sample, i)}; got shape {score.shape}, '
                    f'values {np.unique(score)[:5].tolist()}')
            target[:] = score
        else:
            raise KeyError(
                'MultiLabelMAP: a data sample has neither '
                f'gt_label nor gt_score ({self._describe(sample, i)})')
        if 'gt_label_difficult' in sample:
            # Same rule and policies as mmpretrain's ``VOCMetricMixin`` (the
            # tests compare the two). The mixin itself is not used: its
            # ``process`` replaces this class's, requires
            # ``gt_label_difficult`` on every sample (so COCO / NUS-WIDE
            # could not use this metric) and skips the label and NaN checks
            # and the compact per-sample storage above; it offers no
            # function for the rule alone.
            difficult = _to_numpy(sample['gt_label_difficult']).astype(
                np.int64).ravel()
            # A class with a non-difficult object stays positive; only the
            # classes seen on difficult objects alone follow the policy.
            difficult = difficult[target[difficult] != 1]
            if self.difficult_as_positive is None:
                target[difficult] = -1
            else:
                target[difficult] = int(self.difficult_as_positive)
        return target

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Store each sample's scores (float32) and targets (int8) on CPU."""
        if not data_samples:
            return
        scores = torch.stack([
            torch.as_tensor(s['pred_score']).detach().float().reshape(-1)
            for s in data_samples
        ]).cpu()
        nan_rows = torch.isnan(scores).any(1).nonzero().flatten().tolist()
        if nan_rows:
            which = ', '.join(
                self._describe(data_samples[i], i) for i in nan_rows[:3])
            raise ValueError(
                f'MultiLabelMAP: NaN in pred_score of {len(nan_rows)} '
                f'image(s) of this batch ({which}); the model output is '
                'broken (diverged training or a bad checkpoint)')
        scores = scores.numpy()
        num_classes = scores.shape[1]
        for i, sample in enumerate(data_samples):
            # Rows are copied so a pickled result (DDP gathering) holds only
            # its own sample, not the whole batch.
            self.results.append(
                dict(
                    pred_score=scores[i].copy(),
                    target=self._target(sample, num_classes, i)))

    @staticmethod
    def _stack(rows: List[np.ndarray], dtype: type) -> np.ndarray:
        """``np.stack`` for many small rows, about 15x faster."""
        kinds = {(r.size, r.dtype) for r in rows}
        sizes = sorted({size for size, _ in kinds})
        if len(sizes) != 1:
            raise ValueError(
                'MultiLabelMAP: the evaluated samples have different numbers '
                f'of classes {sizes[:5]}; pred_score must have one length for '
                'the whole dataset')
        if len(kinds) != 1 or next(iter(kinds))[1] != dtype:
            rows = [np.ascontiguousarray(r, dtype=dtype) for r in rows]
        # bytearray: a writable buffer (torch.from_numpy warns otherwise).
        return np.frombuffer(
            bytearray(b''.join(rows)),
            dtype=dtype).reshape(len(rows), sizes[0])

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        """Compute the metrics over all gathered samples."""
        scores = self._stack([r['pred_score'] for r in results], np.float32)
        targets = self._stack([r['target'] for r in results], np.int8)
        ap = average_precision(scores, targets)
        evaluated = ~np.isnan(ap)
        n_eval = int(evaluated.sum())
        metrics: Dict[str, Any] = dict(
            mAP=float(ap[evaluated].mean() * 100) if n_eval else float('nan'),
            num_classes_evaluated=n_eval)
        if n_eval < len(ap):
            names = (self.dataset_meta or {}).get('classes')
            left = np.flatnonzero(~evaluated).tolist()
            shown = [names[i] for i in left
                     ] if names is not None and len(names) == len(ap) else left
            MMLogger.get_current_instance().warning(
                f'MultiLabelMAP: {len(left)} of {len(ap)} classes have no '
                f'positive among the {len(scores)} evaluated images and are '
                f'left out of mAP and of CP/CR: {shown}')
        for k in (None, ) + self.topk:
            suffix = '' if k is None else f'_top{k}'
            f1 = multilabel_f1_scores(
                scores, targets, thr=self.thr, topk=k, class_mask=evaluated)
            metrics.update({
                f'{name}{suffix}': value * 100
                for name, value in f1.items()
            })
        if self.topk_gt_f1:
            l2d = topk_gt_f1_scores(scores, targets)
            metrics.update(
                OF1_topk_gt=l2d['OF1'] * 100, CF1_topk_gt=l2d['CF1'] * 100)
        if self.classwise:
            metrics['AP_classwise'] = (ap * 100).tolist()
        return metrics
