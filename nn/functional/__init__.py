"""``nn.functional`` (``import nn.functional as F``): the stateless operations behind the
layers, with PyTorch's names and arguments.

Everything is built from the engine's differentiable primitives plus one more, the
im2col / col2im pair in ``nn.im2col``; nothing here has a hand-written backward.
"""

from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .activation_more import (
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    silu,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .conv import conv2d, fold, unfold
from .conv_more import conv1d, conv_transpose1d, conv_transpose2d
from .distance_more import cosine_similarity, pairwise_distance
from .dropout import dropout
from .dropout_more import dropout1d, dropout2d, dropout3d
from .embedding_more import embedding
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
from .loss_more import huber_loss, kl_div, smooth_l1_loss
from .normalization import batch_norm
from .normalization_more import group_norm, layer_norm, normalize, rms_norm
from .padding import pad
from .pooling import avg_pool2d, max_pool2d
from .pooling_more import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
)
from .upsampling_more import interpolate, upsample, upsample_bilinear, upsample_nearest

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "conv2d", "cross_entropy", "dropout", "fold", "l1_loss", "leaky_relu", "linear",
    "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "relu",
    "sigmoid", "softmax", "tanh", "unfold",
]
__all__ += [  # nn breadth (issue 15)
    "celu", "elu", "gelu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh",
    "logsigmoid", "mish", "prelu", "relu6", "selu", "silu", "softmin", "softplus",
    "softshrink", "softsign", "tanhshrink", "threshold",
    "conv1d", "conv_transpose1d", "conv_transpose2d", "embedding", "group_norm",
    "layer_norm", "normalize", "rms_norm",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "cosine_similarity", "dropout1d", "dropout2d", "dropout3d",
    "huber_loss", "interpolate", "kl_div", "pairwise_distance", "smooth_l1_loss",
    "upsample", "upsample_bilinear", "upsample_nearest",
]
__all__ += [  # attention (issue 16)
    "multi_head_attention_forward", "scaled_dot_product_attention",
]
