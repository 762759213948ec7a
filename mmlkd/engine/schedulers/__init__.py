"""Parameter schedulers (registered in mmengine's PARAM_SCHEDULERS on
import)."""
from .one_cycle_momentum import (OneCycleMomentum,
                                 OneCycleMomentumParamScheduler)

__all__ = ['OneCycleMomentum', 'OneCycleMomentumParamScheduler']
