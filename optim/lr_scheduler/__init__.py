"""Learning-rate schedulers with PyTorch's names, arguments and lr sequences.

Typical use: ``sched = StepLR(opt, step_size=30)``; each epoch ``opt.step()`` (for every
batch) then ``sched.step()``; ``ReduceLROnPlateau`` takes the metric: ``sched.step(val)``.
"""

from .cosine import CosineAnnealingLR
from .decay import ExponentialLR, MultiStepLR, StepLR
from .lambda_lr import LambdaLR
from .linear import LinearLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "LinearLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
]
