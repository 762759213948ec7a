"""Run a model's convolutions in the channels_last (NHWC) memory format."""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from mmengine.runner import Runner


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model (student and teacher alike) to channels_last.

    On a GPU under AMP, convolutions in NHWC run on tensor cores without
    layout transposes; with the weights in channels_last, the first
    convolution's output and everything after it follow, so the NCHW batch
    from the data preprocessor needs no conversion. Enable it with
    ``custom_hooks = [dict(type='ChannelsLastHook')]``. It is a no-op on the
    CPU unless ``cpu=True``: there it gains little, and with torch 2.14's CPU
    kernels a training step of the width-4 demo ResNet in channels_last
    crashes the process (heap corruption in the backward pass), while the
    ResNet-18 / ResNet-101 COCO models run.

    The conversion happens before training starts, after mmengine has
    wrapped the model: under DDP the parameters keep their identity (only
    their storage layout changes), DDP's gradient buckets stay contiguous
    and gradients are copied into them across layouts (PyTorch may warn
    that grad strides do not match the bucket view; the values are exact).
    Measure with ``make gpu-check`` whether it pays on the GPU at hand.

    Args:
        cpu: also convert when the model is on the CPU.
    """

    priority = 'VERY_HIGH'

    def __init__(self, cpu: bool = False) -> None:
        self.cpu = cpu

    def before_run(self, runner: Runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        param: Optional[torch.Tensor] = next(model.parameters(), None)
        if param is None or (param.device.type == 'cpu' and not self.cpu):
            return
        model.to(memory_format=torch.channels_last)
        runner.logger.info('ChannelsLastHook: model in channels_last')
