"""``nn.init``: fill tensors in place from PyTorch's initialisation distributions.

Random draws come from ``autograd_core.default_generator()`` (seeded by
``autograd_core.manual_seed``) unless a ``generator`` (an ``np.random.Generator``) is
given. The distributions and their parameters match PyTorch's; the numbers do not.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.inplace import check_writable
from autograd_core.version import mark_modified

from . import _trunc_normal

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance stable through ``nonlinearity``.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + a^2))
    with a = param (default 0.01); selu: 3/4.
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
            f" (got shape {list(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _gen(generator: np.random.Generator | None) -> np.random.Generator:
    return generator if generator is not None else ag.default_generator()


def _fill(tensor: Tensor, values: Any) -> Tensor:
    # Writing into ._data changes the tensor without recording a graph node, which is
    # what initialisation (under torch.no_grad in PyTorch) means.
    check_writable(tensor)  # a read-only view or an expanded tensor: a clear error
    tensor._data[...] = values
    mark_modified(tensor)  # seen through every view and alias of its memory
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: np.random.Generator | None = None) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(tensor, _gen(generator).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: np.random.Generator | None = None) -> Tensor:
    """Fill with N(mean, std^2)."""
    return _fill(tensor, _gen(generator).normal(mean, std, tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with N(mean, std^2) conditioned on [a, b].

    Drawn by inverting the truncated CDF (``nn._trunc_normal``): one uniform draw per
    value, so an interval far in a tail takes no longer than [-2, 2]. As in PyTorch,
    a > b is refused, std = 0 divides by zero, a negative std acts as |std|, and a mean
    more than 2 std outside [a, b] warns.
    """
    for name, v in (("mean", mean), ("std", std), ("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"trunc_normal_(): {name} must be a number, got "
                            f"{type(v).__name__}")
    mean, std, a, b = float(mean), float(std), float(a), float(b)
    if not (math.isfinite(mean) and math.isfinite(std)):
        raise ValueError(f"trunc_normal_(): mean and std must be finite, got mean={mean}, "
                         f"std={std}")
    if math.isnan(a) or math.isnan(b) or a > b:
        raise RuntimeError(f"trunc_normal_(): expected a <= b (not NaN), but got a={a}, b={b}")
    if std == 0:
        raise ZeroDivisionError(
            "trunc_normal_(): std must be nonzero (the bounds are measured in units of "
            "std), got std=0.0")
    std = abs(std)
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    return _fill(tensor, _trunc_normal.sample(tensor.shape, mean, std, a, b, _gen(generator)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return _fill(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return _fill(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix."""
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got {tensor.ndim}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: np.random.Generator | None = None) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: np.random.Generator | None = None) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Tensor:
    """U(-bound, bound), bound = gain * sqrt(3 / fan) with gain = calculate_gain(
    nonlinearity, a) and fan = fan_in or fan_out (He et al.)."""
    if 0 in tensor.shape:
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Tensor:
    """N(0, std^2), std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0,
                generator: np.random.Generator | None = None) -> Tensor:
    """Fill a tensor of two or more dims with a (semi-)orthogonal matrix, times ``gain``.

    Viewed as (rows, numel / rows), the result is the Q of the QR decomposition of a standard
    normal draw, each column's sign set by R's diagonal so that Q is uniformly distributed
    (Saxe et al.): rows <= cols gives orthonormal rows, rows >= cols orthonormal columns.
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _gen(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))
