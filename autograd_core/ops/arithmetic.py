"""Binary arithmetic: add, sub, mul, div, pow, and unary neg.

Each backward returns delta times the local derivative, reduced to the input's shape by
``unbroadcast``; inputs that are Python numbers get None.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._binary import broadcast_error, promote_pair, shape_of
from ._broadcast import unbroadcast


class Add(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return (
            unbroadcast(grad, a.data.shape) if isinstance(a, Tensor) else None,
            unbroadcast(grad, b.data.shape) if isinstance(b, Tensor) else None,
        )


class Sub(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return (
            unbroadcast(grad, a.data.shape) if isinstance(a, Tensor) else None,
            unbroadcast(-grad, b.data.shape) if isinstance(b, Tensor) else None,
        )


class Mul(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            ga = unbroadcast(grad * b, a.data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            gb = unbroadcast(grad * a, b.data.shape)
        return ga, gb


class Div(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            ga = unbroadcast(grad / b, a.data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            # d(a/b)/db = -a / b^2
            gb = unbroadcast(-grad * a / (b * b), b.data.shape)
        return ga, gb


class Pow(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a, b):
        return np.power(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            if isinstance(b, Tensor):
                local = b * a ** (b - 1)
                # a**0 is constant: its derivative is 0 even at a == 0, where the formula
                # gives 0 * inf = nan (PyTorch's rule).
                if np.any(b.data == 0):
                    local = where(b.data == 0, 0.0, local)
            elif b == 0:
                local = a * 0.0
            elif b == 1:
                local = None
            elif b == 2:
                local = a * 2.0
            else:
                local = b * a ** (b - 1)
            ga = unbroadcast(grad if local is None else grad * local, a.data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            # d(a^b)/db = a^b log a. Where a == 0 and b >= 0 PyTorch takes the limit 0; the
            # formula would give 0 * -inf = nan.
            out = a ** b
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = a.log() if isinstance(a, Tensor) else float(np.log(a))
                gb = grad * out * log_a
            a_data = a.data if isinstance(a, Tensor) else np.asarray(a)
            at_zero = (a_data == 0) & (b.data >= 0)
            if np.any(at_zero):
                gb = where(at_zero, 0.0, gb)
            gb = unbroadcast(gb, b.data.shape)
        return ga, gb


class Neg(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


def _binary(cls: type[Function], name: str, a: Any, b: Any, true_div: bool = False) -> Tensor:
    a, b = promote_pair(a, b, true_div)
    try:
        return cls.apply(a, b)
    except ValueError as e:
        try:
            np.broadcast_shapes(shape_of(a), shape_of(b))
        except ValueError:
            raise broadcast_error(name, a, b) from None
        # Anything else NumPy refuses (integers to negative integer powers) is reported
        # as PyTorch does, as a RuntimeError naming the op.
        raise RuntimeError(f"{name}: {e}") from None


def add(a: Any, b: Any) -> Tensor:
    """Elementwise a + b with broadcasting. (*a) + (*b) -> (*broadcast)."""
    return _binary(Add, "add", a, b)


def sub(a: Any, b: Any) -> Tensor:
    """Elementwise a - b with broadcasting."""
    return _binary(Sub, "sub", a, b)


def mul(a: Any, b: Any) -> Tensor:
    """Elementwise a * b with broadcasting."""
    return _binary(Mul, "mul", a, b)


def div(a: Any, b: Any) -> Tensor:
    """Elementwise true division a / b with broadcasting (integers give float32)."""
    return _binary(Div, "div", a, b, true_div=True)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """Elementwise a ** b; either side may be a Tensor or a Python number."""
    return _binary(Pow, "pow", a, b)


def neg(a: Tensor) -> Tensor:
    """Elementwise -a."""
    return Neg.apply(a)


from .compare import where  # noqa: E402
