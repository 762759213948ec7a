"""STKD: distillation on mixup virtual samples (multi- or single-label)."""
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.registry import MODELS

from .utils import check_option, check_positive, check_same_shape


@MODELS.register_module()
class STKDLoss(nn.Module):
    r"""Temperature KD on mixup samples seen by teacher and student.

    From "Similarity Transfer for Knowledge Distillation" (Zhao et al.,
    arXiv:2103.10047). The algorithm
    :class:`~mmlkd.models.algorithms.STKDDistill` mixes each batch,
    :math:`\tilde x = \lambda x + (1 - \lambda) x_{\pi}`, and both networks
    see :math:`\tilde x`. With student logits :math:`z^s = z^s(\tilde x)`:

    - ``mode='multilabel'``: per-class binary KL of :math:`\sigma(z / T)`,

      .. math::

          L = \frac{T^2}{B} \sum_{i, c} p^t_{ic} \log\frac{p^t_{ic}}{p^s_{ic}}
              + (1 - p^t_{ic}) \log\frac{1 - p^t_{ic}}{1 - p^s_{ic}},
          \quad p = \sigma(z / T);

    - ``mode='singlelabel'``: :math:`L = \frac{T^2}{B} \sum_i
      \mathrm{KL}(\mathrm{softmax}(z^t_i / T) \,\|\,
      \mathrm{softmax}(z^s_i / T))`.

    Teacher-target variant: when ``mix_lambda`` and ``mix_perm`` are given,
    ``preds_T`` must be the teacher's logits on the *clean* batch and the
    teacher distribution is interpolated in probability space,
    :math:`p^t = \lambda\, p(z^t(x)) + (1 - \lambda)\, p(z^t(x)_{\pi})`
    (the algorithm's ``teacher_input='clean'`` records them).

    Computed in log space (``logsigmoid`` / ``log_softmax``, the mixture by
    ``logaddexp``) in at least float32, so the loss and its gradient are
    finite for any finite logits, also where a probability rounds to 0 or 1.

    Args:
        tau: temperature ``T``.
        mode: ``'multilabel'`` or ``'singlelabel'``.
        loss_weight: multiplier applied to the loss.
    """

    def __init__(self,
                 tau: float = 4.0,
                 mode: str = 'multilabel',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_positive('STKDLoss', 'tau', tau)
        check_option('STKDLoss', 'mode', mode, ('multilabel', 'singlelabel'))
        self.tau = tau
        self.mode = mode
        self.loss_weight = loss_weight

    @staticmethod
    def _log_mix(log_p: torch.Tensor, mix_lambda: Union[float, torch.Tensor],
                 perm: torch.Tensor) -> torch.Tensor:
        """:math:`\\log(\\lambda p + (1 - \\lambda) p_\\pi)` from ``log p``."""
        lam = torch.as_tensor(
            mix_lambda, dtype=log_p.dtype, device=log_p.device).detach()
        # log(0) = -inf for lambda in {0, 1}: logaddexp takes it exactly.
        return torch.logaddexp(lam.log() + log_p,
                               torch.log1p(-lam) + log_p[perm])

    def forward(
        self,
        preds_S: torch.Tensor,
        preds_T: torch.Tensor,
        mix_lambda: Optional[Union[float, torch.Tensor]] = None,
        mix_perm: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """Loss from student logits on the mixed batch and teacher logits.

        Args:
            preds_S: student logits ``B x C`` on the mixed batch.
            preds_T: teacher logits ``B x C``: on the mixed batch, or on the
                clean batch when ``mix_lambda``/``mix_perm`` are given.
            mix_lambda: mixup coefficient (teacher-target variant).
            mix_perm: mixup permutation ``B`` (teacher-target variant).
        """
        check_same_shape('STKDLoss', preds_S, preds_T, ndim=2)
        if (mix_lambda is None) != (mix_perm is None):
            raise ValueError('STKDLoss: mix_lambda and mix_perm must be given '
                             'together (teacher-target variant) or not at all')
        if mix_perm is not None:
            perm = torch.as_tensor(mix_perm, device=preds_T.device).long()
            if perm.shape != (preds_T.shape[0], ):
                raise ValueError(
                    f'STKDLoss: mix_perm has shape {tuple(perm.shape)}, '
                    f'expected ({preds_T.shape[0]},) for a batch of '
                    f'{preds_T.shape[0]}')
        # At least float32 (AMP hands in float16); float64 stays float64.
        dtype = torch.promote_types(preds_S.dtype, torch.float32)
        z_s = preds_S.to(dtype) / self.tau
        z_t = preds_T.detach().to(dtype) / self.tau
        if self.mode == 'multilabel':
            # Everything in log space: sigmoid(z) rounds to 1 in float32 once
            # z > ~17, and (1 - p) log(1 - p) then gave 0 * log 0 = nan.
            # logsigmoid(-z) = log(1 - sigmoid(z)) keeps full precision.
            log_pt, log_1m_pt = F.logsigmoid(z_t), F.logsigmoid(-z_t)
            if mix_perm is not None:
                log_pt, log_1m_pt = (
                    self._log_mix(v, mix_lambda, perm)
                    for v in (log_pt, log_1m_pt))
            log_ps, log_1m_ps = F.logsigmoid(z_s), F.logsigmoid(-z_s)
            kl = log_pt.exp() * (log_pt - log_ps) + log_1m_pt.exp() * (
                log_1m_pt - log_1m_ps)
        else:
            log_pt = F.log_softmax(z_t, dim=1)
            if mix_perm is not None:
                log_pt = self._log_mix(log_pt, mix_lambda, perm)
            log_ps = F.log_softmax(z_s, dim=1)
            kl = log_pt.exp() * (log_pt - log_ps)
        loss = kl.sum() / kl.shape[0]
        return self.loss_weight * self.tau**2 * loss
