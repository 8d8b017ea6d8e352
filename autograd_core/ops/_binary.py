"""Argument handling shared by binary ops: wrapping, dtype promotion, shape errors."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor

_SCALARS = (int, float, bool)


def as_operand(x: Any) -> Any:
    """Tensors and Python numbers pass through; arrays and lists become constant Tensors."""
    if isinstance(x, Tensor) or x.__class__ in _SCALARS:
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, np.generic):
        return x
    if isinstance(x, np.generic):
        return Tensor._wrap(np.asarray(x))
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}")
    return Tensor(x)


def promote_pair(a: Any, b: Any, true_div: bool = False) -> tuple[Any, Any]:
    """Cast the operands to PyTorch's result dtype (differentiably, via ``to``)."""
    a = as_operand(a)
    b = as_operand(b)
    a_t = isinstance(a, Tensor)
    b_t = isinstance(b, Tensor)
    if a_t and b_t:
        da, db = a._data.dtype, b._data.dtype
        target = da if da == db else _dt.promote(da, a._data.ndim, db, b._data.ndim)
    elif a_t:
        target = a._data.dtype
        if target.kind != "f":
            target = _dt.promote_scalar(target, b)
    elif b_t:
        target = b._data.dtype
        if target.kind != "f":
            target = _dt.promote_scalar(target, a)
    else:
        raise TypeError("at least one operand must be a Tensor")
    if true_div and target.kind != "f":
        target = _dt.DEFAULT_FLOAT
    if a_t and a._data.dtype != target:
        a = a.to(target)
    if b_t and b._data.dtype != target:
        b = b.to(target)
    return a, b


_C_NAMES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "uint8": "uint8_t"}


def fit_int_scalars(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """A Python int meeting an integer tensor, wrapped into the tensor's dtype as PyTorch
    does (two's complement: int8 + 300 adds 44). For + - * and the bitwise ops that is
    exact, as they commute with wrapping; NumPy would raise OverflowError instead. A pow
    exponent that does not fit is refused, as in PyTorch."""
    for i, (x, other) in enumerate(((a, b), (b, a))):
        if x.__class__ is not int or not isinstance(other, Tensor):
            continue
        dt = other._data.dtype
        if dt.kind not in "iu":
            continue
        info = np.iinfo(dt)
        if info.min <= x <= info.max:
            continue
        if not -(1 << 63) <= x < (1 << 64):
            raise OverflowError(
                f"{op}: int too big to convert: {x} does not fit in 64 bits")
        if op == "pow" and i == 1:
            raise RuntimeError(
                f"value cannot be converted to type {_C_NAMES.get(dt.name, dt.name)} "
                f"without overflow (pow: exponent {x} for a {dt} tensor)")
        bits = dt.itemsize * 8
        v = x & ((1 << bits) - 1)
        if info.min < 0 and v > info.max:
            v -= 1 << bits
        if i == 0:
            a = v
        else:
            b = v
    return a, b


def broadcast_error(op: str, a: Any, b: Any) -> RuntimeError:
    """PyTorch's wording for shapes that do not broadcast, with both shapes named."""
    sa = tuple(np.shape(a._data if isinstance(a, Tensor) else a))
    sb = tuple(np.shape(b._data if isinstance(b, Tensor) else b))
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + sa
    pb = (1,) * (n - len(sb)) + sb
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"{op}: the size of tensor a ({pa[i]}) must match the size of tensor b "
                f"({pb[i]}) at non-singleton dimension {i}; shapes {list(sa)} and "
                f"{list(sb)} cannot be broadcast together"
            )
    return RuntimeError(f"{op}: shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def shape_of(x: Any) -> tuple[int, ...]:
    return x._data.shape if isinstance(x, Tensor) else ()
