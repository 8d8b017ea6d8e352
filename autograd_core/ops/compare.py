"""maximum, minimum, where, clamp, and the comparisons (which carry no gradient)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import notation as nt
from ..function import Function
from ..tensor import Tensor
from ._binary import as_operand, broadcast_error, fit_int_scalars, promote_pair, shape_of
from ._broadcast import unbroadcast


def _mask(arr: np.ndarray, dtype: np.dtype) -> Tensor:
    return Tensor._wrap(arr.astype(dtype, copy=False))


def masked_grad(grad: Tensor, weights: np.ndarray) -> Tensor:
    """grad * weights, but exactly 0 where a weight is 0 even if grad holds NaN or inf.

    PyTorch's backward of relu, clamp, maximum, amax and the like selects rather than
    multiplies, so a NaN reaching a masked-out element does not leak through as 0 * NaN.
    weights: bool mask or per-element shares, broadcastable to grad's shape.
    """
    keep = weights if weights.dtype == bool else weights != 0
    if weights.dtype != bool:
        grad = grad * _mask(weights, grad._data.dtype)
    zero = Tensor._wrap(np.zeros((), dtype=grad._data.dtype))
    return Where.apply(Tensor._wrap(keep), grad, zero)


def _pick_weights(ad: np.ndarray, bd: np.ndarray, loses) -> tuple[np.ndarray, np.ndarray]:
    """Gradient shares of a and b for maximum (loses=less) or minimum (loses=greater).

    1 each, halved where a == b, and 0 for the side that lost the comparison.
    """
    w = np.where(ad == bd, 0.5, 1.0)
    return np.where(loses(ad, bd), 0.0, w), np.where(loses(bd, ad), 0.0, w)


def _extremum_backward(ctx: Function, grad: Tensor, loses: np.ufunc) -> tuple:
    """Backward of maximum (loses=less) and minimum (loses=greater).

    Ties split the gradient in half, as PyTorch does; where a NaN is involved (no
    comparison holds) both sides get all of it, also as PyTorch does.
    """
    a, b = ctx.inputs
    ad, bd = a._data, b._data
    wa, wb = _pick_weights(ad, bd, loses)
    ga = unbroadcast(masked_grad(grad, wa), ad.shape) if a.requires_grad else None
    gb = unbroadcast(masked_grad(grad, wb), bd.shape) if b.requires_grad else None
    return ga, gb


def _pick_rule(k: int, operands: Any, wins: str) -> nt.Rule:
    """[this one wins] + [tie]/2, the local derivative of maximum (wins ">") or minimum."""
    a, b = operands[k].text, operands[1 - k].text
    return ("local", nt.Expr(f"[{a}{wins}{b}]+[{a}={b}]/2", nt.ADD))


class Maximum(Function):
    """max(a, b) elementwise: the larger side gets the delta, ties share it."""

    __slots__ = ()
    elementwise = True
    arg_names = ("input", "other")

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _extremum_backward(ctx, grad, np.less)

    def trace_rule(self, k, operands, out, numbers):
        return _pick_rule(k, operands, ">")


class Minimum(Function):
    """min(a, b) elementwise: the smaller side gets the delta, ties share it."""

    __slots__ = ()
    elementwise = True
    arg_names = ("input", "other")

    @staticmethod
    def forward(ctx, a, b):
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _extremum_backward(ctx, grad, np.greater)

    def trace_rule(self, k, operands, out, numbers):
        return _pick_rule(k, operands, "<")


class Where(Function):
    """x where cond holds, else y: d/dx = [cond], d/dy = 1 - [cond]."""

    __slots__ = ()
    elementwise = True
    arg_names = ("condition", "input", "other")

    @staticmethod
    def forward(ctx, cond, x, y):
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        cond, x, y = ctx.inputs
        c = cond._data
        gx = gy = None
        zero = Tensor._wrap(np.zeros((), dtype=grad._data.dtype))
        if isinstance(x, Tensor) and x.requires_grad:
            gx = unbroadcast(Where.apply(cond, grad, zero), x._data.shape)
        if isinstance(y, Tensor) and y.requires_grad:
            gy = unbroadcast(Where.apply(cond, zero, grad), y._data.shape)
        del c
        return None, gx, gy

    def trace_rule(self, k, operands, out, numbers):
        c = operands[0].text
        return ("local", nt.iverson(c) if k == 1 else nt.Expr(f"1-[{c}]", nt.ADD))


class Clamp(Function):
    """x limited to [lo, hi]: d/dx = [lo <= x <= hi] (the bounds pass the delta)."""

    __slots__ = ("lo", "hi")
    elementwise = True

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        a, lo, hi = ctx.inputs
        x = a._data
        # The boundary itself lets the gradient through, as PyTorch does.
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep &= x >= (lo._data if isinstance(lo, Tensor) else lo)
        if hi is not None:
            keep &= x <= (hi._data if isinstance(hi, Tensor) else hi)
        return masked_grad(grad, keep), None, None

    def label(self) -> str:
        return f"clamp(min={self.lo}, max={self.hi})"

    def formula(self, operands):
        return nt.call("clamp", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        x = operands[0].text
        lo, hi = operands[1], operands[2]
        if lo is None:
            return ("local", nt.iverson(f"{x}<={hi.text}"))
        if hi is None:
            return ("local", nt.iverson(f"{x}>={lo.text}"))
        return ("local", nt.iverson(f"{lo.text}<={x}<={hi.text}"))


def _pair(name: str, cls: type[Function], a: Any, b: Any) -> Tensor:
    a, b = promote_pair(a, b)
    a = a if isinstance(a, Tensor) else Tensor._wrap(np.asarray(a, dtype=b._data.dtype))
    b = b if isinstance(b, Tensor) else Tensor._wrap(np.asarray(b, dtype=a._data.dtype))
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(name, a, b) from None


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max of two tensors (ties share the gradient equally)."""
    return _pair("maximum", Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min of two tensors (ties share the gradient equally)."""
    return _pair("minimum", Minimum, a, b)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where condition is true, else y; all three broadcast together."""
    cond = as_operand(condition)
    if not isinstance(cond, Tensor):
        cond = Tensor._wrap(np.asarray(cond))
    if cond._data.dtype != np.bool_:
        cond = Tensor._wrap(cond._data.astype(bool))
    x, y = as_operand(x), as_operand(y)
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        # Two Python numbers: PyTorch's dtype for them (float32, int64 or bool).
        cat = builtins.max(_dt.scalar_category(x), _dt.scalar_category(y))
        x = Tensor._wrap(np.asarray(x, dtype=(_dt.bool_, _dt.int64, _dt.DEFAULT_FLOAT)[cat]))
    x, y = promote_pair(x, y)
    # Python numbers become 0-d arrays of the result dtype so np.where keeps it.
    if not isinstance(x, Tensor):
        x = np.asarray(x, dtype=y._data.dtype)
    if not isinstance(y, Tensor):
        y = np.asarray(y, dtype=x._data.dtype)
    try:
        return Where.apply(cond, x, y)
    except ValueError:
        try:
            xy = np.broadcast_shapes(np.shape(x._data if isinstance(x, Tensor) else x),
                                     np.shape(y._data if isinstance(y, Tensor) else y))
        except ValueError:
            raise broadcast_error("where", x, y) from None
        # input and other agree: the condition is the odd one out.
        raise RuntimeError(
            f"where: the condition of shape {list(cond._data.shape)} cannot be broadcast to "
            f"the shape {list(xy)} of input and other"
        ) from None


def clamp(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clip a into [min, max]; either bound may be None. (*) -> (*)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    for name, v in (("min", min), ("max", max)):
        if not (v is None or isinstance(v, (Tensor, int, float, np.number))) or isinstance(
                v, bool):
            raise TypeError(
                f"clamp(): argument '{name}' must be Number or Tensor, not {type(v).__name__}")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # Tensor bounds may broadcast and may need a gradient: select with where, which
        # sends delta to the bound where it was applied and to a elsewhere (ties
        # included), as PyTorch does.
        out = a
        if min is not None:
            out = where(out < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    return Clamp.apply(a, min, max)


# Bitwise ops commute with two's-complement wrapping: a Python int too big for the
# tensor's dtype is wrapped into it first, as PyTorch does.
_BITWISE = (np.bitwise_and, np.bitwise_or, np.bitwise_xor)


def compare(a: Any, b: Any, ufunc: np.ufunc) -> Tensor:
    """A comparison or logical op: a bool (or integer) tensor that does not require grad."""
    if ufunc in _BITWISE:
        a, b = fit_int_scalars(ufunc.__name__, a, b)
    ad = a._data if isinstance(a, Tensor) else a
    bd = b._data if isinstance(b, Tensor) else b
    try:
        return Tensor._wrap(np.asarray(ufunc(ad, bd)))
    except ValueError:
        raise broadcast_error(ufunc.__name__, as_operand(a), as_operand(b)) from None


__all__ = ["maximum", "minimum", "where", "clamp", "compare", "shape_of"]
