"""Label-wise embeddings of any CAM-capable classifier by class attention."""
from typing import Dict, Optional, Sequence

import torch
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from mmrazor.registry import MODELS
from torch import nn

from ..recorders.cam_inputs_recorder import unpack_cam_inputs


@MODELS.register_module()
class LabelEmbeddingConnector(BaseConnector):
    r"""Turn ``(F, W)`` into label-wise embeddings ``h`` of shape
    ``B x C x E``.

    A classifier with global pooling and a linear head has no label-wise
    embeddings of its own, but its class activation maps say where each class
    is seen. Pooling the feature map with each class's own spatial attention
    gives one embedding per image and class (class-attention pooling, the
    spatial softmax of CSRA's attention branch, Zhu & Wu, ICCV 2021, whose
    attention score is :math:`W_c \cdot h_c`): with the positions
    :math:`n` of the map (the :math:`HW` pixels, or the :math:`N` tokens of
    a sequence),

    .. math::

        \mathrm{CAM}_{bcn} = W_c \cdot F_{bn}, \qquad
        a_{bcn} = \frac{\exp(\mathrm{CAM}_{bcn} / \tau)}
                       {\sum_{m} \exp(\mathrm{CAM}_{bcm} / \tau)}, \qquad
        h_{bc} = \sum_n a_{bcn} F_{bn} \in \mathbb{R}^D,

    and, with a projection, :math:`h_{bc} \leftarrow P h_{bc} (+ p)`,
    :math:`P \in \mathbb{R}^{E \times D}` learnable.

    ``CAM_c`` is the map whose spatial mean is the logit of a GAP + linear head
    (``logit_c = mean_n CAM_cn + b_c``), so :math:`h_c` is the feature where
    the classifier sees class :math:`c`. :math:`\tau \to \infty` gives plain
    average pooling (the same embedding for every class); small :math:`\tau`
    approaches the feature at each class's peak. The embeddings then feed
    label-wise losses written for ML-Decoder embeddings, e.g. L2D's LED
    (:class:`~mmlkd.models.losses.LEDLoss`). A freshly initialised classifier
    has nearly flat CAMs, so its class embeddings within one image nearly
    coincide; a relational loss normalised by the mean distance (LED's ID
    term) is then large and steep on the student at the start of training.

    Different widths: a ResNet-101 teacher gives ``D = 2048``, a ResNet-18
    student ``D = 512``. Give the student's connector ``in_channels=512,
    out_channels=2048`` (a learnable ``Linear(D -> E)`` over the last axis,
    trained by the distillation loss like FitNet's regressor) and the
    teacher's none: a projection on the teacher side would receive no
    gradient, since losses detach the teacher.

    Data flow: the input is the record of a ``CAMInputs`` recorder
    (:class:`~mmlkd.models.recorders.CAMInputsRecorder`): the last feature
    map and the classifier weight read live, so gradients reach the student's
    backbone through ``F`` (both in the attention and in the pooled values)
    and its classifier through ``W`` (in the attention). That recorder
    refuses heads without a spatial linear classifier (e.g. ML-Decoder, whose
    embeddings are recorded at ``head.decoder`` directly; see
    :class:`EmbeddingProjectionConnector` for their widths).

    Accepted feature layouts:

    - ``B x D x H x W`` maps (CNNs; ViTs with ``out_type='featmap'``);
    - ``B x N x D`` token sequences (transformers), where the CAM is the
      per-token score ``W_c . F_bn``. All ``N`` tokens are pooled; drop class
      or register tokens before the connector if they should not count.

    Args:
        in_channels: feature width ``D``; required with ``out_channels``.
        out_channels: embedding width ``E`` after the projection; ``None``
            (default) keeps ``h`` at width ``D`` without parameters.
        tau: softmax temperature :math:`\tau > 0` over the positions.
        bias: whether the projection has a bias. Relational losses such as
            LED only see differences of embeddings, which a bias cancels.
        init_cfg: mmengine initialisation config of the projection.
    """

    def __init__(self,
                 in_channels: Optional[int] = None,
                 out_channels: Optional[int] = None,
                 tau: float = 1.0,
                 bias: bool = True,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)
        if not tau > 0:
            raise ValueError(
                f'LabelEmbeddingConnector: tau must be > 0, got {tau}')
        if out_channels is not None and in_channels is None:
            raise ValueError(
                'LabelEmbeddingConnector: a projection to out_channels='
                f'{out_channels} needs in_channels (the feature width D)')
        self.tau = float(tau)
        self.in_channels = in_channels
        self.proj: Optional[nn.Linear] = (
            nn.Linear(in_channels, out_channels, bias=bias)
            if out_channels is not None else None)

    def forward_train(self, feature: Sequence[torch.Tensor]) -> torch.Tensor:
        """Pool the ``(F, W)`` pair into ``B x C x E`` embeddings."""
        feat, weight = unpack_cam_inputs(
            feature,
            'LabelEmbeddingConnector',
            hint=' (ML-Decoder embeddings at head.decoder need no pooling: '
            'use EmbeddingProjectionConnector, or no connector)')
        if feat.dim() == 4:
            tokens = feat.flatten(2).transpose(1, 2)
        elif feat.dim() == 3:
            tokens = feat
        else:
            raise ValueError(
                'LabelEmbeddingConnector: features must be a B x D x H x W '
                'map or a B x N x D token sequence, got shape '
                f'{tuple(feat.shape)}')
        width = tokens.shape[-1]
        if weight.dim() != 2 or weight.shape[1] != width:
            raise ValueError(
                'LabelEmbeddingConnector: classifier weight must be C x D '
                f'with D = {width} (the feature width), got shape '
                f'{tuple(weight.shape)}')
        if self.in_channels is not None and width != self.in_channels:
            raise ValueError(
                f'LabelEmbeddingConnector: in_channels is {self.in_channels} '
                f'but the features have width {width} (shape '
                f'{tuple(feat.shape)}); set in_channels to the width of the '
                'network this connector serves')
        # tokens: B x N x D, weight: C x D -> class scores B x C x N.
        cams = torch.einsum('bnd,cd->bcn', tokens, weight.to(tokens.dtype))
        attention = torch.softmax(cams / self.tau, dim=-1)
        emb = torch.bmm(attention, tokens)
        return emb if self.proj is None else self.proj(emb)

    def extra_repr(self) -> str:
        return f'tau={self.tau}'
