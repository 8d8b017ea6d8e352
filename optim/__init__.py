"""optim: optimizers and learning-rate schedulers that match ``torch.optim`` step for step.

Optimizers update their parameters' ``.data`` in place from ``.grad``; they depend on
``autograd_core`` only. ``optim.lr_scheduler`` holds the schedulers.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
