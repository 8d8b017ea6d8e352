"""Parity rows for user-defined ``autograd.Function`` subclasses (PyTorch's form).

Each row defines the same small custom Function on torch's base and on ours (the class
body is shared Tensor code), so the rows cover the engine nodes ``CustomFunctionBackward``
(one output) and ``CustomOutputBackward`` (several outputs).
"""

from __future__ import annotations

import functools
from typing import Any

from _helpers import OpCase

import autograd_core as ac
from autograd_core.autograd_function import Function as AcFunction


def function_base(L: Any) -> type:
    """``autograd.Function`` of ``L``: torch's for the torch namespace, ours otherwise."""
    return AcFunction if L is ac else L.autograd.Function


@functools.cache
def cube_function(base: type) -> type:
    """x -> x^3 with a hand-written, differentiable backward: delta * 3x^2."""

    class Cube(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, delta):
            (x,) = ctx.saved_tensors
            return delta * 3 * x ** 2

    return Cube


@functools.cache
def mul_add_function(base: type) -> type:
    """(x, y, k) -> (x*y, x + k*y): two outputs and a non-tensor argument."""

    class MulAdd(base):
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * y, x + k * y

        @staticmethod
        def backward(ctx, d_prod, d_sum):
            x, y = ctx.saved_tensors
            return d_prod * y + d_sum, d_prod * x + ctx.k * d_sum, None

    return MulAdd


def _cube(L, a):
    return cube_function(function_base(L)).apply(a)


def _mul_add(L, a, b):
    return mul_add_function(function_base(L)).apply(a, b, 2.5)


CASES = [
    OpCase("autograd_function-cube", _cube, ((3, 4),)),
    OpCase("autograd_function-two_outputs", _mul_add, ((3, 4), (3, 4))),
]
