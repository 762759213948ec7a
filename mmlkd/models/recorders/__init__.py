"""mmlkd recorders (registered in mmrazor TASK_UTILS on import)."""
from .cam_inputs_recorder import CAMInputsRecorder

__all__ = ['CAMInputsRecorder']
