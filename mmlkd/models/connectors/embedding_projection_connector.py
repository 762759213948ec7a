"""Learnable change of width of label-wise embeddings."""
from typing import Dict, Optional

import torch
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class EmbeddingProjectionConnector(BaseConnector):
    r"""Project ``B x C x E_s`` label-wise embeddings to ``B x C x E_t``.

    .. math::

        h'_{bc} = P h_{bc} (+ p), \qquad P \in \mathbb{R}^{E_t \times E_s}

    one learnable linear map shared by all images and classes (the
    label-wise counterpart of FitNet's regressor, Romero et al., ICLR 2015).
    Use it on the student side when its embeddings are narrower than the
    teacher's, e.g. an ML-Decoder student with ``embed_dims=384`` distilled
    by :class:`~mmlkd.models.losses.LEDLoss` from a 768-wide ML-Decoder
    teacher (record both at ``head.decoder``). The projection is trained by
    the distillation loss only; the student's logits still come from its own
    ``E_s``-wide embeddings.

    Args:
        in_channels: width ``E_s`` of the incoming embeddings.
        out_channels: width ``E_t`` to project to.
        bias: whether the projection has a bias (relational losses such as
            LED only see differences of embeddings, which a bias cancels).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 bias: bool = True,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.proj = nn.Linear(in_channels, out_channels, bias=bias)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        """Project the last axis of a ``B x C x E_s`` tensor."""
        if not isinstance(feature, torch.Tensor) or feature.dim() != 3 or \
                feature.shape[-1] != self.in_channels:
            got = (f'shape {tuple(feature.shape)}' if isinstance(
                feature, torch.Tensor) else type(feature).__name__)
            raise ValueError(
                'EmbeddingProjectionConnector: expects label-wise embeddings '
                f'B x C x {self.in_channels} (in_channels), got {got}')
        return self.proj(feature)
