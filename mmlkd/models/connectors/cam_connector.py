"""Class activation maps from a recorded ``(feature map, weight)`` pair."""
from typing import Dict, Optional, Sequence

import torch
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from mmrazor.registry import MODELS

from ..recorders.cam_inputs_recorder import unpack_cam_inputs


@MODELS.register_module()
class CAMConnector(BaseConnector):
    r"""Turn ``(F, W)`` into class activation maps ``B x C x H x W``.

    .. math::

        \mathrm{CAM}_{bchw} = \sum_d F_{bdhw} W_{cd}

    For a global-average-pooling + linear head this gives
    ``logit_c = mean_hw(CAM_c) + b_c`` exactly (Zhou et al., "Learning Deep
    Features for Discriminative Localization", CVPR 2016). Teacher and student
    CAMs then have ``C`` channels whatever their backbone widths; only the
    spatial size may differ, which :class:`CAMDistillLoss` pools away.

    Data flow: the input is the record of a ``CAMInputs`` recorder
    (:class:`~mmlkd.models.recorders.CAMInputsRecorder`), which reads the
    classifier weight live in the backbone's forward hook. The connector has
    no parameters and no state, so one instance serves student and teacher;
    gradients reach the student's backbone through ``F`` and its classifier
    through ``W``, while the teacher's record carries none.

    Args:
        init_cfg: unused (no parameters); kept for BaseConnector's signature.
    """

    def __init__(self, init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)

    def forward_train(self, feature: Sequence[torch.Tensor]) -> torch.Tensor:
        """Compute the CAMs from a ``(F, W)`` pair."""
        feat, weight = unpack_cam_inputs(feature, 'CAMConnector')
        if feat.dim() != 4:
            raise ValueError(
                'CAMConnector: feature map must be B x D x H x W, got shape '
                f'{tuple(feat.shape)}')
        if weight.dim() != 2 or weight.shape[1] != feat.shape[1]:
            raise ValueError(
                'CAMConnector: classifier weight must be C x D with D = '
                f'{feat.shape[1]} (the feature channels), got shape '
                f'{tuple(weight.shape)}')
        return torch.einsum('bdhw,cd->bchw', feat, weight.to(feat.dtype))
