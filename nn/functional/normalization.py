"""``batch_norm``, written with differentiable primitives (mean, var, sqrt, ...)."""

from __future__ import annotations

import numpy as np

from autograd_core import Tensor, no_grad
from autograd_core.version import mark_modified

from ._utils import check_tensor


def _channel_shape(x: Tensor) -> tuple[int, ...]:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by its batch statistics (training) or by the running
    ones (evaluation), then scale by ``weight`` and shift by ``bias``.

    input (N, C, *) -> (N, C, *). Training: x_hat = (x - mean) / sqrt(var + eps) with the
    biased variance over all dims but 1; running stats, when given, are updated in place:
    r = (1 - momentum) * r + momentum * stat, using the unbiased variance.
    """
    check_tensor(input, "input", "batch_norm")
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input of at least 2 dimensions (N, C, *), got "
            f"{input.ndim}D input")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    shape = _channel_shape(input)
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        n = input._data.size // c
        if n <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{list(input.shape)}")
        mean = input.mean(dim=axes, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dim=axes, keepdim=True)
        x_hat = centered / (var + eps).sqrt()
        with no_grad():
            if running_mean is not None:
                m = np.asarray(momentum, dtype=running_mean._data.dtype)
                new = (1 - m) * running_mean._data + m * mean._data.reshape(c)
                running_mean._data[...] = new
                mark_modified(running_mean)
            if running_var is not None:
                m = np.asarray(momentum, dtype=running_var._data.dtype)
                unbiased = var._data.reshape(c) * (n / (n - 1))
                running_var._data[...] = (1 - m) * running_var._data + m * unbiased
                mark_modified(running_var)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        rm = Tensor._wrap(running_mean._data.reshape(shape).astype(input.dtype, copy=False))
        rv = Tensor._wrap(running_var._data.reshape(shape).astype(input.dtype, copy=False))
        x_hat = (input - rm) / (rv + eps).sqrt()
    out = x_hat
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
