"""Recorder of what a CAM needs: the last feature map and the classifier."""
from typing import Any, Callable, Optional, Sequence, Tuple

import torch
from mmpretrain.models.heads import (CSRAClsHead, LinearClsHead,
                                     MultiLabelLinearClsHead)
from mmpretrain.models.necks import GlobalAveragePooling
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn

#: Heads whose score is ``Linear(GAP(F))``: the CAM is ``W F`` exactly.
LINEAR_HEADS = (MultiLabelLinearClsHead, LinearClsHead)
#: Heads built on a 1x1 convolution over the map (class score maps).
SCORE_MAP_HEADS = (CSRAClsHead, )


def unpack_cam_inputs(record: Sequence[torch.Tensor],
                      who: str,
                      hint: str = '') -> Tuple[torch.Tensor, torch.Tensor]:
    """The ``(feature map, classifier weight)`` pair of a CAMInputs record.

    Connectors call it on their input, so a record of the wrong recorder
    type fails naming the connector (``who``) and what it got.
    """
    if isinstance(
            record,
            torch.Tensor) or not isinstance(record,
                                            (tuple, list)) or len(record) != 2:
        got = (f'a tensor of shape {tuple(record.shape)}' if isinstance(
            record, torch.Tensor) else type(record).__name__)
        raise TypeError(
            f'{who} expects the (feature map, classifier weight) pair '
            f'recorded by a CAMInputs recorder, got {got}; record with '
            f'type="CAMInputs" rather than ModuleOutputs{hint}')
    return record[0], record[1]


def csra_class_weight(head: CSRAClsHead) -> torch.Tensor:
    """The ``C x D`` matrix that maps ``F`` to CSRA's summed score map.

    Each ``CSRAModule`` scores ``S_h = (W_h F) / ||W_h||_row`` (a 1x1 conv with
    every class row divided by its L2 norm, no bias). Convolution is linear,
    so ``sum_h S_h = (sum_h W_h / ||W_h||_row) F``: one matrix gives the CAM of
    all heads together, and it stays differentiable in every ``W_h``.
    """
    weight = None
    for module in head.csra_heads:
        w = module.head.weight.flatten(1)
        # Same normalisation (and no eps) as CSRAModule.forward, so the maps
        # are exactly the head's own score maps.
        w = w / torch.norm(w, dim=1, keepdim=True)
        weight = w if weight is None else weight + w
    return weight


@TASK_UTILS.register_module()
class CAMInputsRecorder(BaseRecorder):
    """Record ``(F, W)``: the last feature map and the live classifier weight.

    Used in configs as ``type='CAMInputs'`` (mmrazor's ``RecorderManager``
    appends ``Recorder`` to the type name), followed by ``CAMConnector``,
    which turns the pair into class activation maps ``einsum(F, W)``.

    Why a recorder hands over a pair: mmrazor's distiller passes one recorded
    object to a connector and builds connectors without access to the model.
    The feature map is only available during the forward pass, and the
    classifier weight must be the *current* parameter (not a copy taken at
    build time) so that the CAM loss back-propagates into both the student's
    backbone (through ``F``) and its classifier (through ``W``). This recorder
    hooks the backbone's forward and, in the hook, reads the head's weight;
    the connector then stays a stateless function of the record. On the
    teacher the hook runs under ``torch.no_grad`` and the teacher's weights
    are frozen, so the teacher's CAMs carry no graph.

    Supported heads (checked when the recorder is initialised, i.e. when the
    distiller is built):

    - ``MultiLabelLinearClsHead`` / ``LinearClsHead`` after a
      ``GlobalAveragePooling`` neck: ``W = head.fc.weight`` (``C x D``), and
      ``logit_c = mean_hw(CAM_c) + b_c`` exactly.
    - ``CSRAClsHead``: ``W = sum_h W_h / ||W_h||_row`` over its ``CSRAModule``
      1x1 convolutions (see :func:`csra_class_weight`); the CAM is the sum of
      the heads' class score maps, ``mean_hw(CAM)`` is the average-pool part
      of the logit, and the logit adds ``lam * sum_h att_h(S_h)`` on top.

    Any other head (an ML-Decoder head, a transformer head, ...) has no
    spatial linear classifier and therefore no CAM: a ``TypeError`` names it.

    Args:
        source: module whose output holds the last feature map: a
            ``B x D x H x W`` tensor, or a tuple/list whose last element is
            one (mmpretrain backbones return a tuple of stages).
        head: module path of the classification head.
    """

    def __init__(self, source: str = 'backbone', head: str = 'head') -> None:
        super().__init__(source)
        self.head_name = head
        self._recording = False
        self._weight_fn: Optional[Callable[[], torch.Tensor]] = None
        self._hook_handle = None

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        """Check the head, pick how to read its weight, hook the backbone."""
        if model is None:
            raise ValueError('CAMInputsRecorder needs the model to hook into')
        modules = dict(model.named_modules())
        if self.source not in modules:
            raise ValueError(
                f'CAMInputsRecorder: source module "{self.source}" is not in '
                f'{type(model).__name__}')
        if self.head_name not in modules:
            raise ValueError(
                f'CAMInputsRecorder: head module "{self.head_name}" is not in '
                f'{type(model).__name__}')
        head = modules[self.head_name]
        self._weight_fn = self._weight_reader(head, model)
        if self._hook_handle is not None:
            self._hook_handle.remove()
        self._hook_handle = modules[self.source].register_forward_hook(
            self.forward_hook)

    def _weight_reader(self, head: nn.Module,
                       model: nn.Module) -> Callable[[], torch.Tensor]:
        if isinstance(head, LINEAR_HEADS):
            neck = getattr(model, 'neck', None)
            # The CAM identity holds only when the linear layer sees the
            # spatial mean of the recorded map.
            if neck is not None and not isinstance(neck, GlobalAveragePooling):
                raise TypeError(
                    f'CAMInputsRecorder: {type(head).__name__} "'
                    f'{self.head_name}" follows a {type(neck).__name__} neck; '
                    'a CAM needs the linear classifier to act on the global '
                    'average of the feature map (GlobalAveragePooling neck)')
            return lambda: head.fc.weight
        if isinstance(head, SCORE_MAP_HEADS):
            return lambda: csra_class_weight(head)
        supported = ', '.join(cls.__name__
                              for cls in LINEAR_HEADS + SCORE_MAP_HEADS)
        raise TypeError(
            f'CAMInputsRecorder: head "{self.head_name}" is a '
            f'{type(head).__name__}, which has no spatial linear classifier, '
            f'so it has no class activation map. Supported heads: {supported}')

    def remove_hook(self) -> None:
        """Detach from the model (for one-off use outside a distiller)."""
        if self._hook_handle is not None:
            self._hook_handle.remove()
            self._hook_handle = None

    def forward_hook(self, module: nn.Module, inputs: Tuple,
                     outputs: Any) -> None:
        """Store ``(last feature map, current classifier weight)``."""
        if not self._recording:
            return
        feat = outputs[-1] if isinstance(outputs, (tuple, list)) else outputs
        if not isinstance(feat, torch.Tensor) or feat.dim() != 4:
            shape = tuple(feat.shape) if isinstance(feat,
                                                    torch.Tensor) else None
            raise ValueError(
                f'CAMInputsRecorder: the output of "{self.source}" must be '
                'a B x D x H x W feature map (or a tuple ending with one); '
                f'got {type(feat).__name__} of shape {shape}')
        self.data_buffer.append((feat, self._weight_fn()))

    def __enter__(self):
        super().__enter__()
        self._recording = True

    def __exit__(self, exc_type, exc_value, traceback):
        super().__exit__(exc_type, exc_value, traceback)
        self._recording = False
