"""Multi-label evaluation (registered in mmpretrain METRICS on import)."""
from .functional import (average_precision, multilabel_f1_scores,
                         topk_gt_f1_scores)
from .multilabel_map import MultiLabelMAP

__all__ = [
    'average_precision', 'multilabel_f1_scores', 'topk_gt_f1_scores',
    'MultiLabelMAP'
]
