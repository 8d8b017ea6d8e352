"""``nn``: PyTorch-style neural network layers on the autograd_core engine.

``import nn`` then ``nn.Linear``, ``nn.Conv2d``, ``nn.Sequential``, ...;
``import nn.functional as F`` for the stateless ops; ``nn.init`` for initialisers.
"""

from . import functional, init, utils
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .activation_more import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    SiLU,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .conv_more import Conv1d, ConvTranspose1d, ConvTranspose2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .normalization import GroupNorm, LayerNorm, RMSNorm
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d

__all__ = [
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d",
    "CrossEntropyLoss", "Dropout", "Flatten", "Fold", "Identity", "L1Loss", "LeakyReLU",
    "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict", "ModuleList",
    "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "Unflatten",
    "Unfold", "functional", "init", "utils",
]
__all__ += [  # nn breadth (issue 15)
    "CELU", "ELU", "GELU", "GLU", "SELU", "Hardshrink", "Hardsigmoid", "Hardswish",
    "Hardtanh", "LogSigmoid", "Mish", "PReLU", "ReLU6", "SiLU", "Softmin", "Softplus",
    "Softshrink", "Softsign", "Tanhshrink", "Threshold",
    "Conv1d", "ConvTranspose1d", "ConvTranspose2d", "Embedding", "GroupNorm", "LayerNorm",
    "RMSNorm",
]
