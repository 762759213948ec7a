"""STKD: single-teacher distillation on mixup samples both networks see."""
from typing import List, Optional, Tuple

import torch
from mmengine.structures import BaseDataElement
from mmrazor.models import SingleTeacherDistill
from mmrazor.models.algorithms.base import LossResults
from mmrazor.registry import MODELS


@MODELS.register_module()
class STKDDistill(SingleTeacherDistill):
    r"""``SingleTeacherDistill`` that mixes each batch once, for STKD.

    From "Similarity Transfer for Knowledge Distillation" (Zhao et al.,
    arXiv:2103.10047): virtual samples made by mixup carry the similarity
    between classes, and the student learns the teacher's outputs on them.
    After the data preprocessor, once per training batch,

    .. math::

        \lambda \sim \mathrm{Beta}(\alpha, \alpha), \quad
        \pi = \mathrm{randperm}(B), \quad
        \tilde x = \lambda x + (1 - \lambda) x_{\pi}, \quad
        \tilde y = \lambda y + (1 - \lambda) y_{\pi}.

    The student sees :math:`\tilde x` and its task loss gets the soft
    targets :math:`\tilde y`, written into each data sample's ``gt_score``
    (so the data preprocessor must set it: mmpretrain's
    ``ClsDataPreprocessor(to_onehot=True, num_classes=C)``). Multi-label
    heads then compute BCE on soft multi-hot targets; for single-label the
    soft cross-entropy on :math:`\tilde y` equals
    :math:`\lambda\,\mathrm{CE}(z, y) + (1-\lambda)\,\mathrm{CE}(z, y_\pi)`.

    ``teacher_input`` selects what the teacher sees:

    - ``'mixed'`` (default, STKD): the identical mixed batch
      :math:`\tilde x` with the same soft targets;
    - ``'clean'``: the original batch :math:`x`, for the teacher-target
      variant :math:`\lambda p_t(x) + (1 - \lambda) p_t(x_\pi)`. A loss
      must then receive :math:`\lambda` and :math:`\pi` (e.g.
      :class:`~mmlkd.models.losses.STKDLoss`'s ``mix_lambda``/``mix_perm``).

    :math:`\lambda` and :math:`\pi` of the current batch are published by
    :meth:`mixup_params`, called once inside the student's recording
    context; a ``MethodOutputs`` recorder on
    ``mmlkd.models.algorithms.stkd_distill.STKDDistill.mixup_params`` hands
    them to a loss (``data_idx=0``: :math:`\lambda` as a 0-d tensor,
    ``data_idx=1``: :math:`\pi`).

    (mmpretrain's ``Mixup`` batch augmentation in the data preprocessor would
    also show teacher and student one mixed batch, but keeps neither the
    clean images nor :math:`\lambda, \pi`, which the variant needs.)

    Under DDP, :math:`\pi` permutes the images of each process's own batch
    and :math:`\lambda` comes from each process's generator: mixup partners
    come from the same GPU, so the virtual samples match a single-process
    run in distribution, not image for image. No STKD term relates images
    across processes, so nothing is gathered (unlike LED, RKD, PKT, CLKD).

    Args:
        alpha: Beta distribution parameter (> 0).
        teacher_input: ``'mixed'`` or ``'clean'``.
        **kwargs: the arguments of ``SingleTeacherDistill``.
    """

    MIXUP_SOURCE = 'mmlkd.models.algorithms.stkd_distill.STKDDistill.' \
        'mixup_params'

    def __init__(self,
                 alpha: float = 1.0,
                 teacher_input: str = 'mixed',
                 **kwargs) -> None:
        if alpha <= 0:
            raise ValueError(f'STKDDistill: alpha must be > 0, got {alpha}')
        if teacher_input not in ('mixed', 'clean'):
            raise ValueError("STKDDistill: teacher_input must be 'mixed' or "
                             f"'clean', got {teacher_input!r}")
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.teacher_input = teacher_input
        self._mix_lambda: Optional[torch.Tensor] = None
        self._mix_perm: Optional[torch.Tensor] = None
        self._check_variant_wiring()

    def _check_variant_wiring(self) -> None:
        """Refuse configs where teacher input and loss inputs disagree.

        With clean teacher inputs and no loss receiving lambda/pi, the
        student's outputs on mixed images would be compared with the
        teacher's on other images; with mixed teacher inputs, a loss that
        also interpolates would mix twice.
        """
        uses_mix = [
            name
            for name, mapping in self.distiller.loss_forward_mappings.items()
            if 'mix_lambda' in mapping or 'mix_perm' in mapping
        ]
        if self.teacher_input == 'clean' and not uses_mix:
            raise ValueError(
                "STKDDistill: teacher_input='clean' needs a distill loss that "
                'receives mix_lambda and mix_perm (loss_forward_mappings '
                'from a MethodOutputs recorder with source '
                f'{self.MIXUP_SOURCE!r}); none of '
                f'{list(self.distiller.loss_forward_mappings)} does')
        if self.teacher_input == 'mixed' and uses_mix:
            raise ValueError(
                f'STKDDistill: losses {uses_mix} receive mix_lambda/mix_perm '
                "but teacher_input='mixed' already shows the teacher the "
                "mixed batch; use teacher_input='clean' for the "
                'teacher-target variant')

    def sample_mixup(
            self, batch_size: int,
            device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """Draw lambda ~ Beta(alpha, alpha) and a batch permutation.

        Uses torch's global generator, which mmengine's ``randomness.seed``
        seeds, so runs are reproducible.
        """
        concentration = torch.tensor(self.alpha)
        lam = torch.distributions.Beta(concentration,
                                       concentration).sample().to(device)
        perm = torch.randperm(batch_size, device=device)
        return lam, perm

    def mixup_params(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """Lambda and permutation of the current batch (for losses)."""
        if self._mix_lambda is None or self._mix_perm is None:
            raise RuntimeError('STKDDistill.mixup_params: no batch has been '
                               'mixed yet')
        return self._mix_lambda, self._mix_perm

    @staticmethod
    def mix_inputs(inputs: torch.Tensor, lam: torch.Tensor,
                   perm: torch.Tensor) -> torch.Tensor:
        """:math:`\\lambda x + (1 - \\lambda) x_\\pi` along the batch dim."""
        lam = lam.to(inputs.dtype)
        return lam * inputs + (1 - lam) * inputs[perm]

    @staticmethod
    def mix_data_samples(data_samples: List[BaseDataElement],
                         lam: torch.Tensor,
                         perm: torch.Tensor) -> List[BaseDataElement]:
        """Copies of the samples with ``gt_score`` mixed like the inputs."""
        missing = [
            i for i, s in enumerate(data_samples) if 'gt_score' not in s
        ]
        if missing:
            raise ValueError(
                'STKDDistill: data samples at batch positions '
                f'{missing[:5]} have no gt_score field; set '
                "data_preprocessor=dict(type='ClsDataPreprocessor', "
                'to_onehot=True, num_classes=C) so targets can be mixed')
        scores = torch.stack([s.gt_score.float() for s in data_samples])
        mixed = lam.to(scores.dtype) * scores + (
            1 - lam.to(scores.dtype)) * scores[perm.to(scores.device)]
        out = []
        for sample, score in zip(data_samples, mixed):
            new = sample.clone()
            new.set_gt_score(score)
            out.append(new)
        return out

    def loss(
        self,
        batch_inputs: torch.Tensor,
        data_samples: Optional[List[BaseDataElement]] = None,
    ) -> LossResults:
        """Mix the batch once, then distil with ``SingleTeacherDistill.loss``.

        The parent runs teacher, student and distill losses on the mixed
        batch. Two forward pre-hooks, removed afterwards, adapt it to STKD
        without copying it: the teacher's swaps in the clean batch for
        ``teacher_input='clean'``, and the student's calls
        :meth:`mixup_params` inside the student's recording context (which
        the parent opens around the student's forward only), so that a
        ``MethodOutputs`` recorder hands lambda and pi to the losses.
        """
        if data_samples is None:
            raise ValueError('STKDDistill.loss needs data_samples with '
                             'gt_score to mix the targets')
        lam, perm = self.sample_mixup(batch_inputs.shape[0],
                                      batch_inputs.device)
        self._mix_lambda, self._mix_perm = lam, perm
        mixed_inputs = self.mix_inputs(batch_inputs, lam, perm)
        mixed_samples = self.mix_data_samples(data_samples, lam, perm)

        def publish_mixup(module, args):
            self.mixup_params()

        def clean_teacher_inputs(module, args):
            return (batch_inputs, data_samples) + tuple(args[2:])

        handles = [self.student.register_forward_pre_hook(publish_mixup)]
        if self.teacher_input == 'clean':
            handles.append(
                self.teacher.register_forward_pre_hook(clean_teacher_inputs))
        try:
            return super().loss(mixed_inputs, mixed_samples)
        finally:
            for handle in handles:
                handle.remove()
