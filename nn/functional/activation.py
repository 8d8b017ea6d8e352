"""Activation functions: relu, leaky_relu, sigmoid, tanh, softmax, log_softmax.

All are elementwise (or, for softmax, along one dimension) and keep the input's shape.
``inplace=True`` is accepted for compatibility and returns a new tensor: tensors here
are never modified in place by an operation.
"""

from __future__ import annotations

import warnings
from typing import Any

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.unary import Relu

from ._utils import check_tensor


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). (*) -> (*); local gradient 1 where x > 0, else 0."""
    # Straight to the node (ag.relu would only repeat the check): it runs every layer.
    return Relu.apply(check_tensor(input, "input", "relu"))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x. (*) -> (*)."""
    return ag.leaky_relu(check_tensor(input, "input", "leaky_relu"), negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)). (*) -> (*)."""
    return ag.sigmoid(check_tensor(input, "input", "sigmoid"))


def tanh(input: Tensor) -> Tensor:
    """tanh(x). (*) -> (*)."""
    return ag.tanh(check_tensor(input, "input", "tanh"))


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x), dim). (*) -> (*). ``dtype`` casts the input first."""
    check_tensor(input, "input", "softmax")
    if dim is None:
        dim = _implicit_dim("softmax", input.ndim)
    return ag.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """x - logsumexp(x, dim), computed stably. (*) -> (*)."""
    check_tensor(input, "input", "log_softmax")
    if dim is None:
        dim = _implicit_dim("log_softmax", input.ndim)
    return ag.log_softmax(input, dim, dtype=dtype)
