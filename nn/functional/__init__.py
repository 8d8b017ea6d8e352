"""``nn.functional`` (``import nn.functional as F``): the stateless operations behind the
layers, with PyTorch's names and arguments.

Everything is built from the engine's differentiable primitives plus one more, the
im2col / col2im pair in ``nn.im2col``; nothing here has a hand-written backward.
"""

from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .conv import conv2d, fold, unfold
from .dropout import dropout
from .encoding import one_hot
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .normalization import batch_norm
from .padding import pad
from .pooling import avg_pool2d, max_pool2d

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "conv2d", "cross_entropy", "dropout", "fold", "l1_loss", "leaky_relu", "linear",
    "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "relu",
    "sigmoid", "softmax", "tanh", "unfold",
]
