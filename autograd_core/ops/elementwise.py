"""More elementwise functions in PyTorch's names: erf, erfc, sinh, cosh, asin, acos, atan,
atan2, log2, log10, log1p, expm1, exp2, rsqrt, reciprocal, frac, floor, ceil, round,
trunc, sign, sgn, remainder, fmod, hypot, logaddexp, lerp and square.

Each op is one ``Function``; its ``backward`` is PyTorch's derivative written in Tensor
ops, so that a second derivative passes through it. Integer and bool inputs of the
floating functions are first converted to the default float dtype, as PyTorch does;
values outside an op's domain give NaN or inf as in PyTorch (silently, no NumPy warning).
The rounding functions (floor, ceil, round, trunc) and sign have a zero gradient, as in
PyTorch, and keep an integer input's dtype.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from typing_extensions import override

from .. import dtypes as _dt
from .. import notation as nt
from ..function import Function
from ..tensor import Tensor, _tensor_input
from . import _erf
from ._binary import broadcast_error, fit_int_scalars, promote_pair, shape_of
from ._broadcast import unbroadcast
from .unary import _Unary, recomputed

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# PyTorch's names of the dtypes in its "not implemented for 'Long'" messages.
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}


def _not_implemented(kernel: str, dtype: np.dtype) -> NotImplementedError:
    """PyTorch's error for an op that has no kernel for a dtype (frac of an int tensor)."""
    return NotImplementedError(
        f"\"{kernel}\" not implemented for '{_TORCH_NAMES.get(dtype.name, dtype.name)}'")


def _is_float(dt: np.dtype) -> bool:
    """float16/32/64, and bfloat16 (a NumPy extension dtype, of kind "V")."""
    if dt.kind == "f":
        return True
    try:
        return _dt.category(dt) == 2
    except TypeError:
        return False


def _floating(name: str, a: Any) -> Tensor:
    """``a`` checked to be a Tensor; integer and bool tensors become the default float
    dtype (they never require grad, so no node is recorded for the cast)."""
    _tensor_input(name, a)
    if not _is_float(a._data.dtype):
        return Tensor._wrap(a._data.astype(_dt.DEFAULT_FLOAT))
    return a


def _quiet(f):
    """f run with NumPy's floating-point warnings off: values outside a domain give NaN
    or inf (a gradient at asin(1) is inf) silently, as in PyTorch."""

    @functools.wraps(f)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return f(*args, **kwargs)

    return quiet


def _zeros_like(grad: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(grad._data.shape, grad._data.dtype))


def _sq(x: nt.Expr) -> nt.Expr:
    return nt.power(x, nt.Expr("2"))


# ----- the error function -------------------------------------------------------------


def _special(f: Any, a: np.ndarray) -> np.ndarray:
    """erf or erfc (``_erf.erf``/``_erf.erfc``: Cody's rational approximations,
    vectorised) of a, in float64 and rounded once to a's dtype: float64 results agree
    with ``math.erf``/``math.erfc`` to a few units in the last place, float32 and
    float16 ones are the correctly rounded values but for rare one-ulp ties; erfc keeps
    its relative accuracy far into the tail (erfc(10) = 2.1e-45), where 1 - erf would
    be 0.
    """
    return f(a)


class Erf(_Unary):
    """erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt: d/dx = 2/sqrt(pi) e^(-x^2)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return _special(_erf.erf, a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return grad * ((x * x).neg().exp() * _TWO_OVER_SQRT_PI)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.mul(nt.Expr("2/sqrt(pi)", nt.MUL),
                                nt.call("exp", nt.neg(_sq(operands[0])))))


class Erfc(_Unary):
    """erfc(x) = 1 - erf(x): d/dx = -2/sqrt(pi) e^(-x^2)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return _special(_erf.erfc, a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return grad * ((x * x).neg().exp() * -_TWO_OVER_SQRT_PI)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.neg(nt.mul(nt.Expr("2/sqrt(pi)", nt.MUL),
                                       nt.call("exp", nt.neg(_sq(operands[0]))))))


# ----- hyperbolic and inverse trigonometric functions ---------------------------------


class Sinh(_Unary):
    """sinh x: d/dx = cosh x."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(over="ignore"):  # inf beyond the range, as in PyTorch
            return np.sinh(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad * Cosh.apply(ctx.inputs[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.call("cosh", operands[0]))


class Cosh(_Unary):
    """cosh x: d/dx = sinh x."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            return np.cosh(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad * Sinh.apply(ctx.inputs[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.call("sinh", operands[0]))


class Asin(_Unary):
    """asin x (NaN outside [-1, 1]): d/dx = 1/sqrt(1 - x^2)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            return np.arcsin(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return grad / (1.0 - x * x).sqrt()

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.call("sqrt", nt.sub(nt.ONE, _sq(operands[0])))))


class Acos(_Unary):
    """acos x (NaN outside [-1, 1]): d/dx = -1/sqrt(1 - x^2)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            return np.arccos(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return -grad / (1.0 - x * x).sqrt()

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.neg(nt.div(nt.ONE, nt.call("sqrt",
                                                       nt.sub(nt.ONE, _sq(operands[0]))))))


class Atan(_Unary):
    """atan x: d/dx = 1/(1 + x^2)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.arctan(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return grad / (x * x + 1.0)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.add(nt.ONE, _sq(operands[0]))))


# ----- logarithms and exponentials ----------------------------------------------------


class Log2(_Unary):
    """log2 x: d/dx = 1/(x ln 2)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad / (ctx.inputs[0] * _LN2)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.mul(operands[0], nt.Expr("ln(2)"))))


class Log10(_Unary):
    """log10 x: d/dx = 1/(x ln 10)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad / (ctx.inputs[0] * _LN10)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.mul(operands[0], nt.Expr("ln(10)"))))


class Log1p(_Unary):
    """log(1 + x), exact for tiny x: d/dx = 1/(1 + x)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad / (ctx.inputs[0] + 1.0)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.add(nt.ONE, operands[0])))


class Expm1(_Unary):
    """e^x - 1, exact for tiny x: d/dx = e^x = out + 1."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = np.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad * (recomputed(ctx, Expm1.apply) + 1.0)

    @staticmethod
    @_quiet
    @override
    def fast_backward(ctx, grad):
        return Tensor._wrap(grad._data * (ctx.saved_tensors[0] + 1.0))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.call("exp", operands[0]))


class Exp2(_Unary):
    """2^x: d/dx = 2^x ln 2."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = np.exp2(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad * (recomputed(ctx, Exp2.apply) * _LN2)

    @staticmethod
    @_quiet
    @override
    def fast_backward(ctx, grad):
        return Tensor._wrap(grad._data * (ctx.saved_tensors[0] * _LN2))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.mul(out, nt.Expr("ln(2)")))


class Rsqrt(_Unary):
    """1/sqrt(x): d/dx = -1/2 x^(-3/2) = -out^3 / 2."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1.0 / np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        r = recomputed(ctx, Rsqrt.apply)
        return grad * (r * r * r * -0.5)

    @staticmethod
    @_quiet
    @override
    def fast_backward(ctx, grad):
        r = ctx.saved_tensors[0]
        return Tensor._wrap(grad._data * (r * r * r * -0.5))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.mul(nt.number(-0.5), nt.power(operands[0], nt.Expr("-3/2"))))


class Reciprocal(_Unary):
    """1/x: d/dx = -1/x^2 = -out^2."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(divide="ignore"):
            out = np.reciprocal(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        r = recomputed(ctx, Reciprocal.apply)
        return -grad * (r * r)

    @staticmethod
    @_quiet
    @override
    def fast_backward(ctx, grad):
        r = ctx.saved_tensors[0]
        return Tensor._wrap(-grad._data * (r * r))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.neg(nt.div(nt.ONE, _sq(operands[0]))))


# ----- rounding and sign: zero gradient, as in PyTorch --------------------------------


class Frac(_Unary):
    """x - trunc(x) (the sign of x kept): d/dx = 1."""

    __slots__ = ()
    _reads_inputs = False

    @staticmethod
    @override
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):  # inf - inf = NaN, as in PyTorch
            return a - np.trunc(a)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return grad

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ONE)


class _Flat(_Unary):
    """A step function: piecewise constant, so its gradient is 0 everywhere (PyTorch's
    convention at the jumps too)."""

    __slots__ = ()
    _reads_inputs = False

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return _zeros_like(grad)

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ZERO)


class Floor(_Flat):
    """The largest integer <= x (d/dx = 0)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.floor(a)


class Ceil(_Flat):
    """The smallest integer >= x (d/dx = 0)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.ceil(a)


class Trunc(_Flat):
    """x rounded toward zero (d/dx = 0)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.trunc(a)


class Round(_Flat):
    """x rounded to ``decimals`` decimal places, halves to even (d/dx = 0)."""

    __slots__ = ()
    arg_names = ("input", "decimals")

    @staticmethod
    @override
    def forward(ctx, a, decimals):
        return _round_array(a, decimals)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        return _zeros_like(grad), None

    @override
    def label(self) -> str:
        d = self.inputs[1]
        return f"round(decimals={d})" if d else "round"

    @override
    def formula(self, operands):
        d = self.inputs[1]
        return nt.call("round", operands[0], f"decimals={d}") if d else nt.call(
            "round", operands[0])


def _round_array(a: np.ndarray, decimals: int) -> np.ndarray:
    """PyTorch's rounding: rint(x * 10^d) / 10^d, or rint(x / 10^-d) * 10^-d for d < 0,
    in the input's float dtype (float32 for the 16-bit ones, as PyTorch computes them)."""
    if decimals == 0:
        return np.rint(a)
    work = a if a.dtype.itemsize > 2 else a.astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        ten = work.dtype.type(10.0 ** abs(decimals))
        out = np.rint(work * ten) / ten if decimals > 0 else np.rint(work / ten) * ten
    return out.astype(a.dtype, copy=False)


def _sign_array(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.bool_:
        return a.copy()
    # Two comparisons rather than np.sign: PyTorch's sign of NaN is 0, NumPy's NaN.
    return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)


class Sign(_Flat):
    """-1, 0 or 1 by the sign of x (0 for NaN, as PyTorch) (d/dx = 0)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return _sign_array(a)


class Sgn(_Flat):
    """sign(x) (for real tensors ``sgn`` is ``sign``; it differs only for complex ones)."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return _sign_array(a)


# ----- functions of two tensors -------------------------------------------------------


class _Binary(Function):
    """Shared drawing data: elementwise, inputs named input and other."""

    __slots__ = ()
    elementwise = True
    arg_names = ("input", "other")

    @override
    def formula(self, operands):
        return nt.call(self.label_name or type(self).__name__.lower(), operands[0],
                       operands[1])


def _needs(x: Any) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


class Atan2(_Binary):
    """atan2(y, x), the angle of the point (x, y): d/dy = x/(x^2+y^2), d/dx = -y/(x^2+y^2)."""

    __slots__ = ()

    @staticmethod
    @_quiet
    @override
    def forward(ctx, y, x):
        return np.arctan2(y, x)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        y, x = ctx.inputs
        r = 1.0 / (y * y + x * x)
        gy = unbroadcast(grad * (x * r), y._data.shape) if _needs(y) else None
        gx = unbroadcast(grad * (-y * r), x._data.shape) if _needs(x) else None
        return gy, gx

    @override
    def trace_rule(self, k, operands, out, numbers):
        y, x = operands
        den = nt.add(_sq(y), _sq(x))
        return ("local", nt.div(x, den) if k == 0 else nt.neg(nt.div(y, den)))


class Remainder(_Binary):
    """a - b floor(a/b), the sign of b (Python's %): d/da = 1, d/db = -floor(a/b)."""

    __slots__ = ()

    @override
    def reads_input(self, i: int) -> bool:
        return _needs(self.inputs[1])  # both values only for b's gradient

    @staticmethod
    @override
    def forward(ctx, a, b):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.remainder(a, b)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = unbroadcast(grad, a._data.shape) if _needs(a) else None
        gb = None
        if _needs(b):
            # floor(a/b) is piecewise constant: a constant factor, also for create_graph.
            ad = a._data if isinstance(a, Tensor) else a
            with np.errstate(invalid="ignore", divide="ignore"):
                q = np.floor_divide(ad, b._data)
            gb = unbroadcast(grad * Tensor._wrap(-q), b._data.shape)
        return ga, gb

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands
        return ("local", nt.ONE if k == 0 else nt.neg(nt.call("floor", nt.div(a, b))))


class Fmod(_Binary):
    """a - b trunc(a/b), the sign of a (C's fmod): d/da = 1, d/db = -trunc(a/b)."""

    __slots__ = ()

    @override
    def reads_input(self, i: int) -> bool:
        return _needs(self.inputs[1])

    @staticmethod
    @override
    def forward(ctx, a, b):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.fmod(a, b)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = unbroadcast(grad, a._data.shape) if _needs(a) else None
        gb = None
        if _needs(b):
            with np.errstate(invalid="ignore", divide="ignore"):
                q = np.trunc(a._data / b._data)
            gb = unbroadcast(grad * Tensor._wrap(-q), b._data.shape)
        return ga, gb

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands
        return ("local", nt.ONE if k == 0 else nt.neg(nt.call("trunc", nt.div(a, b))))


class Hypot(_Binary):
    """sqrt(a^2 + b^2) without overflow: d/da = a/out, d/db = b/out."""

    __slots__ = ()

    @staticmethod
    @_quiet
    @override
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ctx.saved_tensors  # noqa: B018 - raises if the output was overwritten or freed
        out = Hypot.apply(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            ga = unbroadcast(grad * (a / out), a._data.shape) if _needs(a) else None
            gb = unbroadcast(grad * (b / out), b._data.shape) if _needs(b) else None
        return ga, gb

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(operands[k], out))


class LogAddExp(_Binary):
    """log(e^a + e^b) without overflow: d/da = sigmoid(a - b), d/db = sigmoid(b - a)."""

    __slots__ = ()
    label_name = "logaddexp"

    @staticmethod
    @_quiet
    @override
    def forward(ctx, a, b):
        return np.logaddexp(a, b)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        # e^a / (e^a + e^b) = 1 / (1 + e^(b-a)): the sigmoid, which never overflows.
        a, b = ctx.inputs
        ga = unbroadcast(grad * (a - b).sigmoid(), a._data.shape) if _needs(a) else None
        gb = unbroadcast(grad * (b - a).sigmoid(), b._data.shape) if _needs(b) else None
        return ga, gb

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands if k == 0 else operands[::-1]
        return ("local", nt.call("sigmoid", nt.sub(a, b)))


class Lerp(Function):
    """start + weight (end - start): d/dstart = 1 - weight, d/dend = weight,
    d/dweight = end - start."""

    __slots__ = ()
    elementwise = True
    arg_names = ("input", "end", "weight")

    @override
    def reads_input(self, i: int) -> bool:
        if i == 2:
            return _needs(self.inputs[0]) or _needs(self.inputs[1])
        return _needs(self.inputs[2])

    @staticmethod
    @_quiet
    @override
    def forward(ctx, s, e, w):
        # PyTorch's two-sided form: exact at both ends (weight 0 gives start, 1 gives end).
        if isinstance(w, np.ndarray):
            return np.where(np.abs(w) < 0.5, s + w * (e - s), e - (e - s) * (1 - w))
        if abs(w) < 0.5:
            return s + w * (e - s)
        return e - (e - s) * (1 - w)

    @staticmethod
    @_quiet
    @override
    def backward(ctx, grad):
        s, e, w = ctx.inputs
        gs = unbroadcast(grad * (1.0 - w), s._data.shape) if _needs(s) else None
        ge = unbroadcast(grad * w, e._data.shape) if _needs(e) else None
        gw = unbroadcast(grad * (e - s), w._data.shape) if _needs(w) else None
        return gs, ge, gw

    @override
    def formula(self, operands):
        return nt.call("lerp", *operands)

    @override
    def trace_rule(self, k, operands, out, numbers):
        s, e, w = operands
        return ("local", (nt.sub(nt.ONE, w), w, nt.sub(e, s))[k])


# ----- the public functions -----------------------------------------------------------


def erf(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's argument name
    """The error function, elementwise. (*) -> (*); integers give the default float."""
    return Erf.apply(_floating("erf", input))


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """1 - erf(x), accurate in the tail. (*) -> (*)."""
    return Erfc.apply(_floating("erfc", input))


def sinh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic sine, elementwise. (*) -> (*)."""
    return Sinh.apply(_floating("sinh", input))


def cosh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic cosine, elementwise. (*) -> (*)."""
    return Cosh.apply(_floating("cosh", input))


def asin(input: Tensor) -> Tensor:  # noqa: A002
    """Arcsine, elementwise (NaN outside [-1, 1]). (*) -> (*)."""
    return Asin.apply(_floating("asin", input))


def acos(input: Tensor) -> Tensor:  # noqa: A002
    """Arccosine, elementwise (NaN outside [-1, 1]). (*) -> (*)."""
    return Acos.apply(_floating("acos", input))


def atan(input: Tensor) -> Tensor:  # noqa: A002
    """Arctangent, elementwise. (*) -> (*)."""
    return Atan.apply(_floating("atan", input))


def log2(input: Tensor) -> Tensor:  # noqa: A002
    """Base-2 logarithm, elementwise. (*) -> (*)."""
    return Log2.apply(_floating("log2", input))


def log10(input: Tensor) -> Tensor:  # noqa: A002
    """Base-10 logarithm, elementwise. (*) -> (*)."""
    return Log10.apply(_floating("log10", input))


def log1p(input: Tensor) -> Tensor:  # noqa: A002
    """log(1 + x), accurate for small x. (*) -> (*)."""
    return Log1p.apply(_floating("log1p", input))


def expm1(input: Tensor) -> Tensor:  # noqa: A002
    """e^x - 1, accurate for small x. (*) -> (*)."""
    return Expm1.apply(_floating("expm1", input))


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    """2^x, elementwise. (*) -> (*)."""
    return Exp2.apply(_floating("exp2", input))


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """1 / sqrt(x), elementwise. (*) -> (*)."""
    return Rsqrt.apply(_floating("rsqrt", input))


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """1 / x, elementwise (integers give the default float). (*) -> (*)."""
    return Reciprocal.apply(_floating("reciprocal", input))


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """The fractional part x - trunc(x) (floating tensors only). (*) -> (*)."""
    _tensor_input("frac", input)
    if not _is_float(input._data.dtype):
        raise _not_implemented("frac_cpu", input._data.dtype)
    return Frac.apply(input)


def _rounding(name: str, cls: type[Function], a: Any) -> Tensor:
    _tensor_input(name, a)
    kind = a._data.dtype.kind
    if kind == "b":
        raise _not_implemented(f"{name}_vml_cpu", a._data.dtype)
    if not _is_float(a._data.dtype):
        return Tensor._wrap(a._data.copy())  # integers are already whole: a copy, as torch
    return cls.apply(a)


def floor(input: Tensor) -> Tensor:  # noqa: A002
    """Round down to a whole number; integer tensors are copied. Gradient 0. (*) -> (*)."""
    return _rounding("floor", Floor, input)


def ceil(input: Tensor) -> Tensor:  # noqa: A002
    """Round up to a whole number; integer tensors are copied. Gradient 0. (*) -> (*)."""
    return _rounding("ceil", Ceil, input)


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """Round toward zero; integer tensors are copied. Gradient 0. (*) -> (*)."""
    return _rounding("trunc", Trunc, input)


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001, A002
    """Round to ``decimals`` places (negative: to tens, hundreds...), halves to even.

    Integer tensors are copied (decimals must then be 0, as in PyTorch). Gradient 0.
    (*) -> (*).
    """
    _tensor_input("round", input)
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(
            f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    dt = input._data.dtype
    if dt.kind == "b":
        raise _not_implemented("round_vml_cpu" if decimals == 0 else "round_cpu", dt)
    if not _is_float(dt):
        if decimals != 0:
            raise _not_implemented("round_cpu", dt)
        return Tensor._wrap(input._data.copy())
    return Round.apply(input, int(decimals))


def sign(input: Tensor) -> Tensor:  # noqa: A002
    """-1, 0 or 1 by sign (0 for NaN), in the input's dtype (bool stays bool). Gradient 0.
    (*) -> (*)."""
    _tensor_input("sign", input)
    if not _is_float(input._data.dtype):
        return Tensor._wrap(_sign_array(input._data))
    return Sign.apply(input)


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """sign for real tensors (PyTorch's sgn differs only for complex ones). (*) -> (*)."""
    _tensor_input("sgn", input)
    if not _is_float(input._data.dtype):
        return Tensor._wrap(_sign_array(input._data))
    return Sgn.apply(input)


def square(input: Tensor) -> Tensor:  # noqa: A002
    """x * x (as ``pow(x, 2)``: integers stay integers, bool gives int64). (*) -> (*)."""
    from .arithmetic import pow as _pow

    _tensor_input("square", input)
    return _pow(input, 2)


def _tensors(name: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both arguments must be Tensors (PyTorch has no number overloads for these ops);
    they are promoted to a common floating dtype."""
    for pos, arg, x in ((1, "input", a), (2, "other", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(x).__name__}")
    a, b = promote_pair(a, b)
    if not _is_float(a._data.dtype):
        a = Tensor._wrap(a._data.astype(_dt.DEFAULT_FLOAT))
        b = Tensor._wrap(b._data.astype(_dt.DEFAULT_FLOAT))
    return a, b


def _apply2(name: str, cls: type[Function], a: Any, b: Any) -> Tensor:
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(name, a, b) from None


def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The angle of (other, input), i.e. atan(input/other) in the right quadrant.

    (*a), (*b) -> (*broadcast); integers give the default float.
    """
    a, b = _tensors("atan2", input, other)
    return _apply2("atan2", Atan2, a, b)


def arctan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``atan2`` (NumPy's name, which PyTorch has too)."""
    a, b = _tensors("arctan2", input, other)
    return _apply2("arctan2", Atan2, a, b)


def hypot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """sqrt(input^2 + other^2) without overflow. (*a), (*b) -> (*broadcast)."""
    for pos, arg, x in ((1, "input", input), (2, "other", other)):
        if not isinstance(x, Tensor):
            raise TypeError(f"hypot(): argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(x).__name__}")
    a, b = promote_pair(input, other)
    if not _is_float(a._data.dtype):
        raise _not_implemented("hypot_cpu", a._data.dtype)
    return _apply2("hypot", Hypot, a, b)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """log(e^input + e^other) without overflow. (*a), (*b) -> (*broadcast)."""
    for pos, arg, x in ((1, "input", input), (2, "other", other)):
        if not isinstance(x, Tensor):
            raise TypeError(f"logaddexp(): argument '{arg}' (position {pos}) must be "
                            f"Tensor, not {type(x).__name__}")
    a, b = promote_pair(input, other)
    if not _is_float(a._data.dtype):
        raise _not_implemented("logaddexp_cpu", a._data.dtype)
    return _apply2("logaddexp", LogAddExp, a, b)


def _modulo(name: str, cls: type[Function], a: Any, b: Any) -> Tensor:
    a, b = promote_pair(a, b)
    # A Python int is first wrapped into an integer tensor's dtype, as PyTorch converts
    # it (int8 % 300 is int8 % 44; uint8 % 256 divides by zero).
    a, b = fit_int_scalars(name, a, b)
    t = a if isinstance(a, Tensor) else b
    dt = t._data.dtype
    if dt.kind == "b":
        raise _not_implemented(f"{name}_cpu", dt)
    if dt.kind in "iu":
        bd = b._data if isinstance(b, Tensor) else b
        if np.any(np.asarray(bd) == 0):
            raise RuntimeError("ZeroDivisionError")
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(name, a, b) from None
    except OverflowError as e:  # a Python int that does not fit the tensor's dtype
        raise RuntimeError(f"{name}: {e}") from None


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input - other * floor(input / other): the result has other's sign (Python's %).

    Either side may be a Python number; integers stay integers (a zero divisor raises,
    as in PyTorch). (*a), (*b) -> (*broadcast).
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"remainder(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    return _modulo("remainder", Remainder, input, other)


def fmod(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """input - other * trunc(input / other): the result has input's sign (C's fmod).

    other may be a Python number; integers stay integers. (*a), (*b) -> (*broadcast).
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fmod() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(other).__name__}), but expected one of:\n"
            " * (Tensor input, Tensor other)\n * (Tensor input, Number other)")
    return _modulo("fmod", Fmod, input, other)


# The C++ names PyTorch prints in lerp's dtype errors.
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


def _c_name(dt: np.dtype) -> str:
    return _C_NAMES.get(dt.name, dt.name)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """input + weight * (end - input), weight a number or a tensor; all three broadcast.

    end (and a weight tensor with dimensions) must have input's floating dtype, as in
    PyTorch; a 0-d weight tensor is converted. (*) -> (*broadcast).
    """
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(
            f"lerp() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(end).__name__}, {type(weight).__name__}), but "
            "expected one of:\n * (Tensor input, Tensor end, Tensor weight)\n"
            " * (Tensor input, Tensor end, Number weight)")
    dt = input._data.dtype
    w_tensor = isinstance(weight, Tensor)
    if not w_tensor and (not isinstance(weight, (int, float, np.number))
                         or isinstance(weight, bool)):
        raise TypeError(f"lerp(): argument 'weight' must be Number or Tensor, not "
                        f"{type(weight).__name__}")
    if not _is_float(dt):
        raise _not_implemented("lerp_kernel_tensor" if w_tensor else "lerp_kernel_scalar",
                               dt)
    if end._data.dtype != dt:
        raise RuntimeError(f"expected dtype {_c_name(dt)} for `end` but got dtype "
                           f"{_c_name(end._data.dtype)}")
    if w_tensor and weight._data.dtype != dt:
        if weight._data.ndim != 0:
            raise RuntimeError(f"expected dtype {_c_name(dt)} for `weight` but got dtype "
                               f"{_c_name(weight._data.dtype)}")
        weight = weight.to(dt)
    if not w_tensor:
        weight = float(weight)
    try:
        np.broadcast_shapes(input._data.shape, end._data.shape, shape_of(weight))
    except ValueError:
        try:
            np.broadcast_shapes(input._data.shape, end._data.shape)
        except ValueError:
            raise broadcast_error("lerp", input, end) from None
        raise broadcast_error("lerp", end, weight) from None
    return Lerp.apply(input, end, weight)


arcsin = asin
arccos = acos
arctan = atan
