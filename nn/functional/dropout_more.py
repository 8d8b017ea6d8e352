"""Channel-wise ("feature") dropout: dropout1d, dropout2d, dropout3d.

While training, each whole channel (one (N, C) pair, every spatial position of it) is
zeroed with probability p and the kept channels are scaled by 1/(1-p); the mask is a
constant, so the gradient is delta * mask / (1 - p). Masks are drawn from
``autograd_core.default_generator()``. Inputs of other ranks are handled (with
PyTorch's deprecation warnings) as PyTorch handles them.
"""

from __future__ import annotations

import warnings

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from ._utils import check_tensor

_DEPRECATED = (
    "{op}: Received a {nd}-D input to {op}, which is deprecated and will result in an error "
    "in a future release. To retain the behavior and silence this warning, please use "
    "dropout instead. Note that {op} exists to provide channel-wise dropout on inputs with "
    "{k} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
    "{lo}D or {hi}D inputs).")


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(x: Tensor, p: float, training: bool, batched: bool) -> Tensor:
    """Zero whole channels: the mask has shape (N, C, 1, ...) (or (C, 1, ...) unbatched)."""
    if x.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return x
    lead = 2 if batched else 1
    mask_shape = x.shape[:lead] + (1,) * (x.ndim - lead)
    dt = x.dtype
    if p == 1.0:
        return x * Tensor._wrap(np.zeros(mask_shape, dtype=dt))
    keep = ag.default_generator().random(mask_shape) >= p
    scale = keep.astype(dt) * np.asarray(1.0 / (1.0 - p), dtype=dt)
    return x * Tensor._wrap(scale)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability p while training."""
    check_tensor(input, "input", "dropout1d")
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    return _feature_dropout(input, p, training, batched=input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) with probability p while training.

    A 3-D input is read as (N, C, L) (1-D channel dropout), with PyTorch's warning.
    """
    check_tensor(input, "input", "dropout2d")
    _check_p(p)
    nd = input.ndim
    if nd not in (3, 4):
        warnings.warn(_DEPRECATED.format(op="dropout2d", nd=nd, k=2, lo=3, hi=4),
                      stacklevel=2)
    elif nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature_dropout(input, p, training, batched=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p while
    training."""
    check_tensor(input, "input", "dropout3d")
    _check_p(p)
    nd = input.ndim
    if nd not in (4, 5):
        warnings.warn(_DEPRECATED.format(op="dropout3d", nd=nd, k=3, lo=4, hi=5),
                      stacklevel=2)
    return _feature_dropout(input, p, training, batched=nd != 4)
