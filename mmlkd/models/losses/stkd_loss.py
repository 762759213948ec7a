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

    Args:
        tau: temperature ``T``.
        mode: ``'multilabel'`` or ``'singlelabel'``.
        eps: clamp bound of the sigmoid probabilities (multi-label).
        loss_weight: multiplier applied to the loss.
    """

    def __init__(self,
                 tau: float = 4.0,
                 mode: str = 'multilabel',
                 eps: float = 1e-8,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        check_positive('STKDLoss', 'tau', tau)
        check_option('STKDLoss', 'mode', mode, ('multilabel', 'singlelabel'))
        self.tau = tau
        self.mode = mode
        self.eps = eps
        self.loss_weight = loss_weight

    def _probs(self, z: torch.Tensor) -> torch.Tensor:
        if self.mode == 'multilabel':
            return torch.sigmoid(z / self.tau)
        return F.softmax(z / self.tau, dim=1)

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
        # float32 so the 1e-8 clamp does not underflow under AMP.
        z_s = preds_S.float()
        p_t = self._probs(preds_T.detach().float())
        if mix_perm is not None:
            perm = torch.as_tensor(mix_perm, device=p_t.device).long()
            if perm.shape != (p_t.shape[0], ):
                raise ValueError(
                    f'STKDLoss: mix_perm has shape {tuple(perm.shape)}, '
                    f'expected ({p_t.shape[0]},) for a batch of '
                    f'{p_t.shape[0]}')
            lam = torch.as_tensor(mix_lambda, dtype=p_t.dtype,
                                  device=p_t.device).detach()
            p_t = lam * p_t + (1 - lam) * p_t[perm]

        if self.mode == 'multilabel':
            p_t = p_t.clamp(self.eps, 1 - self.eps)
            # log(sigmoid) via logsigmoid: exact for large |z|.
            log_ps = F.logsigmoid(z_s / self.tau)
            log_1m_ps = F.logsigmoid(-z_s / self.tau)
            kl = p_t * (p_t.log() - log_ps) + (1 - p_t) * (
                (1 - p_t).log() - log_1m_ps)
        else:
            log_ps = F.log_softmax(z_s / self.tau, dim=1)
            kl = torch.xlogy(p_t, p_t) - p_t * log_ps
        loss = kl.sum() / kl.shape[0]
        return self.loss_weight * self.tau**2 * loss
