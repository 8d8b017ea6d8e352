"""optim: optimizers and learning-rate schedulers that match ``torch.optim`` step for step.

Optimizers update their parameters' ``._data`` in place from ``.grad``; they depend on
``autograd_core`` only. ``optim.lr_scheduler`` holds the schedulers.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "lr_scheduler",
]
