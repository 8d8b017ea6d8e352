"""Learning-rate schedulers with PyTorch's names, arguments and lr sequences.

Typical use: ``sched = StepLR(opt, step_size=30)``; each epoch ``opt.step()`` (for every
batch) then ``sched.step()``; ``ReduceLROnPlateau`` takes the metric: ``sched.step(val)``.
"""

from .composite import ChainedScheduler, SequentialLR
from .constant import ConstantLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR
from .decay import ExponentialLR, MultiStepLR, StepLR
from .lambda_lr import LambdaLR, MultiplicativeLR
from .linear import LinearLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .polynomial import PolynomialLR
from .scheduler import LRScheduler

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "LambdaLR",
    "MultiplicativeLR",
    "LinearLR",
    "ConstantLR",
    "PolynomialLR",
    "OneCycleLR",
    "CyclicLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
]
