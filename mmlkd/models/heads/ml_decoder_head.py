"""ML-Decoder head with label-wise embeddings (as used by L2D, ICCV 2023)."""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.registry import MODELS


class MLDecoderLayer(nn.Module):
    """One transformer decoder layer without self-attention.

    The class queries only attend to the image tokens (no query-query
    attention: with fixed queries it would only add a constant). Order as in
    ML-Decoder: ``q = LN(q + drop(q))``, ``q = LN(q + drop(attn(q, tokens)))``,
    ``q = LN(q + drop(FFN(q)))`` with ``FFN = Linear-ReLU-drop-Linear``.

    ``forward(queries, tokens)`` takes ``C x E`` (shared by the batch) or
    ``B x C x E`` queries and ``B x N x E`` tokens and returns the label-wise
    embeddings ``B x C x E``.
    """

    def __init__(self,
                 embed_dims: int = 768,
                 num_heads: int = 8,
                 ffn_dims: int = 2048,
                 dropout: float = 0.1) -> None:
        super().__init__()
        if embed_dims % num_heads != 0:
            raise ValueError(f'MLDecoderLayer: embed_dims ({embed_dims}) must '
                             f'be divisible by num_heads ({num_heads})')
        self.cross_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(
            nn.Linear(embed_dims, ffn_dims), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(ffn_dims, embed_dims))
        self.norm1 = nn.LayerNorm(embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.norm3 = nn.LayerNorm(embed_dims)
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)
        self.drop3 = nn.Dropout(dropout)

    def forward(self, queries: torch.Tensor,
                tokens: torch.Tensor) -> torch.Tensor:
        if queries.dim() == 2:
            queries = queries.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        # Stands in for the self-attention block of a standard decoder layer.
        q = self.norm1(queries + self.drop1(queries))
        attn = self.cross_attn(q, tokens, tokens, need_weights=False)[0]
        q = self.norm2(q + self.drop2(attn))
        return self.norm3(q + self.drop3(self.ffn(q)))


class ClassWiseLinear(nn.Module):
    """One linear unit per class: ``z_c = <h_c, w_c> + b_c``.

    Weight ``C x E`` (xavier-normal), bias ``C`` (zero). Input ``B x C x E``
    label-wise embeddings, output ``B x C`` logits.
    """

    def __init__(self, num_classes: int, embed_dims: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, embed_dims))
        self.bias = nn.Parameter(torch.empty(num_classes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.xavier_normal_(self.weight)
        nn.init.zeros_(self.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        # einsum returns the logits in a transposed (C-major) layout. Made
        # contiguous, as nn.Linear's, so the bias gradient (a sum over the
        # batch) is reduced in the same order whether or not other losses
        # (e.g. a distillation term with weight 0) also read the logits.
        logits = torch.einsum('bce,ce->bc', h, self.weight).contiguous()
        return logits + self.bias

    def extra_repr(self) -> str:
        return f'num_classes={self.weight.shape[0]}, ' \
               f'embed_dims={self.weight.shape[1]}'


@MODELS.register_module()
class MLDecoderHead(MultiLabelClsHead):
    """ML-Decoder multi-label head producing label-wise embeddings.

    The head of L2D ("Multi-Label Knowledge Distillation", Yang et al.,
    ICCV 2023, arXiv:2308.06453), after ML-Decoder (Ridnik et al., WACV 2023)
    with one query per class:

    1. the last feature map ``B x D x H x W`` becomes ``HW`` tokens,
       ``Linear(D -> E)`` + ReLU (submodule ``embed``);
    2. ``C`` query embeddings of width ``E``, fixed by default (a buffer,
       ``query_embed``, drawn from N(0, 1));
    3. one decoder layer without self-attention (submodule ``decoder``): its
       output ``B x C x E`` is the label-wise embeddings ``h``;
    4. logits ``z_c = <h_c, w_c> + b_c`` (submodule ``fc``).

    For distillation, record ``head.decoder`` (``ModuleOutputs``) for the
    embeddings of :class:`~mmlkd.models.losses.LEDLoss` and ``head.fc`` for
    the logits, as with mmpretrain's linear heads. ``E`` is the same for every
    backbone, so teacher and student embeddings align.

    The head has no spatial linear classifier, so there are no class
    activation maps to take from it: :meth:`get_cam` raises.

    Args:
        num_classes: number of classes ``C``.
        in_channels: channels ``D`` of the backbone's last feature map.
        embed_dims: width ``E`` of tokens, queries and embeddings (768).
        num_heads: cross-attention heads (8).
        ffn_dims: hidden width of the feed-forward block (2048).
        dropout: dropout in the decoder layer (0.1).
        fixed_queries: keep the class queries fixed (paper) or train them.
        loss, thr, topk, init_cfg: as mmpretrain's ``MultiLabelClsHead``.
    """

    #: No ``C x D`` classifier over the feature map: CAM methods cannot apply.
    has_spatial_classifier = False

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 embed_dims: int = 768,
                 num_heads: int = 8,
                 ffn_dims: int = 2048,
                 dropout: float = 0.1,
                 fixed_queries: bool = True,
                 loss: Dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        if num_classes <= 0:
            raise ValueError(
                f'MLDecoderHead: num_classes must be > 0, got {num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.embed_dims = embed_dims

        self.embed = nn.Linear(in_channels, embed_dims)
        queries = torch.randn(num_classes, embed_dims)
        if fixed_queries:
            # A buffer: saved with the checkpoint, never seen by the optimizer.
            self.register_buffer('query_embed', queries)
        else:
            self.query_embed = nn.Parameter(queries)
        self.decoder = MLDecoderLayer(embed_dims, num_heads, ffn_dims, dropout)
        self.fc = ClassWiseLinear(num_classes, embed_dims)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Label-wise embeddings ``B x C x E`` from the last feature map."""
        x = feats[-1]
        if x.dim() == 4:
            x = x.flatten(2).transpose(1, 2)
        elif x.dim() != 3:
            raise ValueError(
                'MLDecoderHead: expected the last backbone output as '
                f'B x {self.in_channels} x H x W (or B x N x '
                f'{self.in_channels} tokens), got shape {tuple(x.shape)}; '
                'is the neck a global pooling? ML-Decoder needs the spatial '
                'map (use neck=None)')
        if x.shape[-1] != self.in_channels:
            raise ValueError(
                f'MLDecoderHead: in_channels is {self.in_channels} but the '
                f'feature has {x.shape[-1]} channels (shape '
                f'{tuple(feats[-1].shape)})')
        tokens = F.relu(self.embed(x), inplace=True)
        return self.decoder(self.query_embed, tokens)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Logits ``B x C``."""
        return self.fc(self.pre_logits(feats))

    def get_cam(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Class activation maps are not defined for this head.

        A CAM needs a linear classifier applied at every position of the
        feature map (``z_c = mean_hw CAM_c + b_c``); ML-Decoder's classes come
        from cross-attention over tokens, so there is none.
        """
        raise NotImplementedError(
            'MLDecoderHead has no spatial linear classifier: its logits come '
            'from cross-attention of class queries over the tokens, so class '
            'activation maps (CAMs) are not defined. Its weight head.fc.weight'
            f' is {self.num_classes} x {self.embed_dims} over label-wise '
            f'embeddings, not over the {self.in_channels}-channel feature '
            'map. Use a MultiLabelLinearClsHead (or CSRAClsHead) model for '
            'CAM distillation, or LEDLoss on head.decoder for this head.')
