"""MergeDifficultLabels: count VOC "difficult" labels as positives."""
from typing import Dict

from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class MergeDifficultLabels(BaseTransform):
    """Add ``gt_label_difficult`` to ``gt_label`` (the L2D VOC policy).

    mmpretrain's ``VOC`` keeps a class seen only on "difficult" objects out of
    ``gt_label``, so it trains as a negative. The L2D reference counts those
    classes as positive; put this transform before ``PackInputs`` in the
    training pipeline to do the same (and evaluate with
    ``MultiLabelMAP(difficult_as_positive=True)``).

    Required keys: ``gt_label``, ``gt_label_difficult``. Modified:
    ``gt_label``.
    """

    def transform(self, results: Dict) -> Dict:
        if 'gt_label_difficult' not in results:
            raise KeyError(
                'MergeDifficultLabels: the sample has no '
                "'gt_label_difficult' (use it with the VOC dataset)")
        merged = set(int(x) for x in results['gt_label']) | set(
            int(x) for x in results['gt_label_difficult'])
        results['gt_label'] = sorted(merged)
        return results
