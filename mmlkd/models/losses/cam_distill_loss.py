"""CAM distillation: match class activation maps of teacher and student."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from .utils import check_option, check_positive

_NORMALIZE = ('l2', 'none', 'softmax')
_CLASSES = ('all', 'gt', 'teacher_pos', 'teacher_topk')


@MODELS.register_module()
class CAMDistillLoss(nn.Module):
    r"""Mean squared error between normalised, pooled class activation maps.

    CAMs as dark knowledge for multi-label KD follow "Knowledge Distillation
    from Single to Multi Labels: an Empirical Study" (Zhang et al.,
    arXiv:2303.08360); the loss form is CAT-KD's ("Class Attention Transfer
    Based Knowledge Distillation", Guo et al., CVPR 2023). With ``P_r`` the
    adaptive average pooling to ``r x r``, ``N`` a normalisation of each
    (image, class) map over its ``r^2`` positions and :math:`S` the set of
    distilled (image, class) pairs,

    .. math::

        L = w \cdot \frac{1}{|S|\, r^2} \sum_{(i,c) \in S} \sum_{p=1}^{r^2}
            \big(N(P_r(\mathrm{CAM}^s_{ic}))_p
                 - N(P_r(\mathrm{CAM}^t_{ic}))_p\big)^2

    ``L = 0`` when :math:`S` is empty. With ``classes='all'`` this is the
    plain element-wise mean (``F.mse_loss``) over ``B x C x r x r``.

    Normalisations ``N`` of a map ``m`` (flattened over space):

    - ``'l2'``: ``m / max(||m||_2, 1e-12)`` (CAT-KD's default);
    - ``'softmax'``: ``softmax(m / tau)`` over space;
    - ``'none'``: ``m`` itself.

    Distilled pairs :math:`S`:

    - ``'all'``: every image and class;
    - ``'gt'``: ground-truth positives, ``target > 0.5`` (VOC's ``-1``
      difficult labels and zeros are left out); needs ``target``;
    - ``'teacher_pos'``: ``sigmoid(logits_T) > threshold``; needs
      ``logits_T``;
    - ``'teacher_topk'``: the ``min(topk, C)`` highest teacher logits of
      each image; needs ``logits_T``.

    Args:
        resolution: side ``r`` of the common pooled size; ``None`` keeps the
            maps as they are (then teacher and student sizes must match).
        normalize: ``'l2'``, ``'none'`` or ``'softmax'``.
        tau: softmax temperature (only with ``normalize='softmax'``).
        classes: ``'all'``, ``'gt'``, ``'teacher_pos'`` or ``'teacher_topk'``.
        topk: classes per image for ``'teacher_topk'``.
        threshold: teacher probability threshold for ``'teacher_pos'``.
        loss_weight: multiplier ``w`` of the loss.
    """

    def __init__(self,
                 resolution: Optional[int] = 2,
                 normalize: str = 'l2',
                 tau: float = 1.0,
                 classes: str = 'all',
                 topk: int = 3,
                 threshold: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if resolution is not None and resolution < 1:
            raise ValueError(
                f'CAMDistillLoss: resolution must be >= 1 or None, got '
                f'{resolution}')
        check_option('CAMDistillLoss', 'normalize', normalize, _NORMALIZE)
        check_option('CAMDistillLoss', 'classes', classes, _CLASSES)
        check_positive('CAMDistillLoss', 'tau', tau)
        if topk < 1:
            raise ValueError(f'CAMDistillLoss: topk must be >= 1, got {topk}')
        self.resolution = resolution
        self.normalize = normalize
        self.tau = tau
        self.classes = classes
        self.topk = topk
        self.threshold = threshold
        self.loss_weight = loss_weight

    def _prepare(self, cam: torch.Tensor) -> torch.Tensor:
        """Pool to ``r x r``, normalise each map; returns ``B x C x r^2``."""
        if self.resolution is not None:
            cam = F.adaptive_avg_pool2d(cam, self.resolution)
        cam = cam.flatten(2)
        if self.normalize == 'l2':
            return F.normalize(cam, p=2, dim=2)
        if self.normalize == 'softmax':
            return F.softmax(cam / self.tau, dim=2)
        return cam

    def _selection(self, shape: torch.Size, target: Optional[torch.Tensor],
                   logits_T: Optional[torch.Tensor],
                   device: torch.device) -> torch.Tensor:
        """Boolean ``B x C`` mask of the distilled (image, class) pairs."""
        if self.classes == 'all':
            return torch.ones(shape, dtype=torch.bool, device=device)
        if self.classes == 'gt':
            if target is None:
                raise ValueError(
                    "CAMDistillLoss(classes='gt') needs `target` (multi-hot "
                    'B x C); map it in loss_forward_mappings, e.g. from a '
                    'ModuleInputs recorder on head.loss_module with '
                    'data_idx=1')
            self._check_bc('target', target, shape)
            return target.detach() > 0.5
        if logits_T is None:
            raise ValueError(
                f'CAMDistillLoss(classes={self.classes!r}) needs `logits_T` '
                '(teacher logits B x C); map it in loss_forward_mappings, '
                'e.g. from a teacher ModuleOutputs recorder on head.fc')
        self._check_bc('logits_T', logits_T, shape)
        logits_T = logits_T.detach()
        if self.classes == 'teacher_pos':
            return torch.sigmoid(logits_T.float()) > self.threshold
        k = min(self.topk, shape[1])
        idx = logits_T.topk(k, dim=1).indices
        mask = torch.zeros(shape, dtype=torch.bool, device=device)
        return mask.scatter_(1, idx, True)

    @staticmethod
    def _check_bc(name: str, value: torch.Tensor, shape: torch.Size) -> None:
        if tuple(value.shape) != tuple(shape):
            raise ValueError(
                f'CAMDistillLoss: {name} shape {tuple(value.shape)} does not '
                f'match the CAMs\' batch x classes {tuple(shape)}')

    def forward(self,
                preds_S: torch.Tensor,
                preds_T: torch.Tensor,
                target: Optional[torch.Tensor] = None,
                logits_T: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Loss from student CAMs and teacher CAMs ``B x C x H x W``.

        Teacher and student spatial sizes may differ when ``resolution`` is
        set. ``target`` / ``logits_T`` (``B x C``) are needed by the
        ``'gt'`` / ``'teacher_*'`` class selections only.
        """
        if preds_S.dim() != 4 or preds_T.dim() != 4:
            raise ValueError(
                'CAMDistillLoss: CAMs must be B x C x H x W, got student '
                f'{tuple(preds_S.shape)} and teacher {tuple(preds_T.shape)}')
        if preds_S.shape[:2] != preds_T.shape[:2]:
            raise ValueError(
                f'CAMDistillLoss: student CAMs {tuple(preds_S.shape)} and '
                f'teacher CAMs {tuple(preds_T.shape)} differ in batch or '
                'classes; check both heads have the same num_classes')
        if self.resolution is None and preds_S.shape != preds_T.shape:
            raise ValueError(
                f'CAMDistillLoss: student CAMs {tuple(preds_S.shape)} and '
                f'teacher CAMs {tuple(preds_T.shape)} differ in size; set '
                'resolution to pool both to a common r x r')
        # At least float32: the squared differences of normalised maps are
        # small and the normalisation divides; half precision (AMP) loses them.
        dtype = torch.promote_types(preds_S.dtype, torch.float32)
        s = self._prepare(preds_S.to(dtype))
        t = self._prepare(preds_T.detach().to(dtype))
        err = (s - t).pow(2).mean(dim=2)  # B x C: mean over the r^2 cells
        mask = self._selection(err.shape, target, logits_T, err.device)
        n_sel = mask.sum()
        # Sum over the mask (not indexing) keeps the graph when S is empty,
        # so the step still back-propagates a zero instead of failing.
        loss = (err * mask).sum() / n_sel.clamp(min=1)
        return self.loss_weight * loss
