"""Elementwise functions of one tensor: exp, log, sqrt, abs, sin, cos, tanh, sigmoid,
relu, leaky_relu, and the dtype cast.

Where the local derivative is a function of the output (exp, tanh, sigmoid, sqrt), the
formula (``backward``) recomputes the output from the input with Tensor ops, so that a
second derivative sees how it depends on the input; the NumPy fast path
(``fast_backward``) reuses the output saved by forward.
"""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from .. import grad_mode
from .. import notation as nt
from ..function import Function
from ..tensor import Tensor, _check_number, _tensor_input

_STATE = grad_mode.STATE


def recomputed(ctx: Function, op) -> Tensor:
    """The op's output made again from its input by ``op``, recorded when a graph is
    being recorded, so that a second derivative sees how it depends on the input.

    Like PyTorch, whose backward reads the saved output, this raises the "modified by an
    inplace operation" error if that output was overwritten since (and the "second
    time" error once it was freed).
    """
    ctx.saved_tensors  # noqa: B018 - the check is the point
    return op(ctx.inputs[0])


class _Unary(Function):
    """Shared drawing data of the elementwise functions: ``f(x)`` with ``label_name`` f."""

    __slots__ = ()
    elementwise = True

    @override
    def formula(self, operands):
        return nt.call(self.label_name or type(self).__name__.lower(), operands[0])


class Exp(_Unary):
    """e^x: d/dx = e^x."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        return grad * recomputed(ctx, Exp.apply)

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        return Tensor._wrap(grad._data * ctx.saved_tensors[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", out)


class Log(_Unary):
    """log x: d/dx = 1/x."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.log(a)

    @staticmethod
    @override
    def backward(ctx, grad):
        return grad / ctx.inputs[0]

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, operands[0]))


class Sqrt(_Unary):
    """sqrt(x): d/dx = 1/(2 sqrt(x))."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        return grad / (recomputed(ctx, Sqrt.apply) * 2.0)

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        return Tensor._wrap(grad._data / (ctx.saved_tensors[0] * 2.0))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.Expr(f"2{nt.call('sqrt', operands[0]).text}",
                                                nt.MUL)))


class Abs(_Unary):
    """|x|: d/dx = sign(x), 0 at 0."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    @override
    def backward(ctx, grad):
        # sign(0) = 0: PyTorch's subgradient at the kink; and sign(NaN) = 0 there too
        # (NumPy's sign(NaN) is NaN), hence the two comparisons.
        x = ctx.inputs[0]._data
        return grad * Tensor._wrap((x > 0).astype(x.dtype) - (x < 0))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.call("sign", operands[0]))


class Sin(_Unary):
    """sin x: d/dx = cos x."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    @override
    def backward(ctx, grad):
        return grad * Cos.apply(ctx.inputs[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.call("cos", operands[0]))


class Cos(_Unary):
    """cos x: d/dx = -sin x."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        return np.cos(a)

    @staticmethod
    @override
    def backward(ctx, grad):
        return -grad * Sin.apply(ctx.inputs[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.neg(nt.call("sin", operands[0])))


class Tanh(_Unary):
    """tanh x: d/dx = 1 - tanh(x)^2."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        y = recomputed(ctx, Tanh.apply)
        # d tanh(u)/du = 1 - tanh(u)^2
        return grad * (1.0 - y * y)

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        y = ctx.saved_tensors[0]
        return Tensor._wrap(grad._data * (1.0 - y * y))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.sub(nt.ONE, nt.power(nt.call("tanh", operands[0]),
                                                 nt.Expr("2"))))


def _sigmoid_array(a: np.ndarray) -> np.ndarray:
    # Split by sign so that exp never overflows: for a < 0 use e^a / (1 + e^a).
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


class Sigmoid(_Unary):
    """sigmoid(x) = 1/(1 + e^-x): d/dx = sigmoid(x)(1 - sigmoid(x))."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a):
        out = _sigmoid_array(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        s = recomputed(ctx, Sigmoid.apply)
        # d sigma(u)/du = sigma(u) (1 - sigma(u)), at most 0.25
        return grad * (s * (1.0 - s))

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        s = ctx.saved_tensors[0]
        return Tensor._wrap(grad._data * (s * (1.0 - s)))

    @override
    def trace_rule(self, k, operands, out, numbers):
        s = nt.call("sigmoid", operands[0]).text
        return ("local", nt.Expr(f"{s}(1-{s})", nt.MUL))


class Relu(_Unary):
    """max(x, 0): d/dx = [x > 0] (0 at 0, as PyTorch)."""

    __slots__ = ()
    _fresh_grads = True  # fast_backward returns a new array, or the delta it owned

    @staticmethod
    @override
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        # max against an array of zeros, not the scalar 0: NumPy's maximum has a fast
        # (vectorised) loop only for two arrays, 2-3x faster even counting the zero-fill.
        # zeros_like keeps a's memory order (a convolution's output is batch-last).
        out = np.zeros(a.shape, a.dtype) if a.flags.c_contiguous else np.zeros_like(a)
        np.maximum(a, out, out=out)
        if _STATE.enabled:
            # The mask backward needs, made while the output is still in cache: where the
            # delta passes, i.e. not x <= 0. That is where max(x, 0) != 0, which includes
            # x NaN (the delta passes there, as in PyTorch): one pass over the output.
            mask = np.not_equal(out, 0)  # a NumPy bool, not an array, when a is 0-d
            ctx.saved = (mask if a.ndim else np.asarray(mask),)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        # The mask is a constant: relu's second derivative is zero almost everywhere.
        # Selected, not multiplied: a NaN delta at x <= 0 gives 0, as in PyTorch. The
        # mask is made again from the input (which the engine checked is unchanged), so
        # this works even after the saved mask was freed.
        from .compare import masked_grad

        return masked_grad(grad, ~(ctx.inputs[0]._data <= 0))

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        gd = grad._data
        # Multiplying by the 0/1 mask is several times faster than np.where and equal to
        # selecting except where a non-finite delta meets a 0 (inf * 0 = NaN). Such a
        # product leaves a NaN, which max() propagates: one cheap pass to check. A delta
        # that only this pass holds is masked in place (no new array to write); where
        # the mask passes it its values are unchanged, so the exact fallback still reads
        # the right ones. (Only when both share a memory order, as they do when relu's
        # input and its delta come from the same layer: the result then has that order,
        # as the formula's has.)
        if (ctx.owns_grad and gd.flags.writeable and gd.shape == mask.shape
                and _same_order(gd, mask)):
            out = np.multiply(gd, mask, out=gd)
        else:
            out = gd * mask
        if out.size == 0 or not np.isnan(np.maximum.reduce(out, axis=None)):
            return Tensor._wrap(out)
        return Tensor._wrap(np.where(mask, gd, np.zeros((), gd.dtype)))

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.iverson(f"{operands[0].text}>0"))


def _same_order(a: np.ndarray, b: np.ndarray) -> bool:
    """Are the two arrays laid out alike (equal strides, counted in elements)?"""
    ia, ib = a.itemsize, b.itemsize
    return all(x // ia == y // ib for x, y in zip(a.strides, b.strides))


class LeakyRelu(_Unary):
    """x where x > 0, else slope * x: d/dx = [x > 0] + slope [x <= 0]."""

    __slots__ = ("slope",)
    label_name = "leaky_relu"

    @staticmethod
    @override
    def forward(ctx, a, negative_slope):
        ctx.slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]._data
        local = np.where(x > 0, 1.0, ctx.slope).astype(grad._data.dtype, copy=False)
        return grad * Tensor._wrap(local), None

    @override
    def label(self) -> str:
        return f"leaky_relu(negative_slope={self.slope})"

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, slope = operands[0].text, operands[1].text
        return ("local", nt.Expr(f"[{a}>0]+{slope}[{a}<=0]", nt.ADD))


class ToDtype(Function):
    """x cast to another float dtype; the gradient is cast back (d/dx = 1)."""

    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes
    elementwise = True
    label_name = "to"
    arg_names = ("input", "dtype")

    @staticmethod
    @override
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    @override
    def backward(ctx, grad):
        src = ctx.inputs[0]._data.dtype
        return ToDtype.apply(grad, src), None

    @override
    def formula(self, operands):
        return operands[0]

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ONE)


class Clone(Function):
    """A copy of x (d/dx = 1)."""

    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes
    elementwise = True

    @staticmethod
    @override
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    @override
    def backward(ctx, grad):
        return grad

    @override
    def formula(self, operands):
        return operands[0]

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ONE)


def _float_input(name: str, a: Tensor) -> Tensor:
    _tensor_input(name, a)
    if a._data.dtype.kind != "f":
        return ToDtype.apply(a, np.dtype(np.float32))
    return a


def exp(a: Tensor) -> Tensor:
    """e**a elementwise. (*) -> (*)."""
    return Exp.apply(_float_input("exp", a))


def log(a: Tensor) -> Tensor:
    """Natural log elementwise. (*) -> (*)."""
    return Log.apply(_float_input("log", a))


def sqrt(a: Tensor) -> Tensor:
    """Square root elementwise. (*) -> (*)."""
    return Sqrt.apply(_float_input("sqrt", a))


def abs(a: Tensor) -> Tensor:  # noqa: A001
    """|a| elementwise (gradient sign(a), 0 at 0). (*) -> (*)."""
    return Abs.apply(_tensor_input("abs", a))


def sin(a: Tensor) -> Tensor:
    """sin elementwise. (*) -> (*)."""
    return Sin.apply(_float_input("sin", a))


def cos(a: Tensor) -> Tensor:
    """cos elementwise. (*) -> (*)."""
    return Cos.apply(_float_input("cos", a))


def tanh(a: Tensor) -> Tensor:
    """tanh elementwise. (*) -> (*)."""
    return Tanh.apply(_float_input("tanh", a))


def sigmoid(a: Tensor) -> Tensor:
    """1 / (1 + e^-a) elementwise, computed without overflow. (*) -> (*)."""
    return Sigmoid.apply(_float_input("sigmoid", a))


def relu(a: Tensor) -> Tensor:
    """max(a, 0) elementwise; gradient 0 at 0, as PyTorch. (*) -> (*)."""
    return Relu.apply(_tensor_input("relu", a))


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    """a where a > 0, else negative_slope * a. (*) -> (*)."""
    _check_number("leaky_relu", "negative_slope", negative_slope)
    _tensor_input("leaky_relu", a)
    if a._data.dtype.kind != "f":  # PyTorch has no integer kernel (nor a silent cast)
        raise NotImplementedError(
            f'"leaky_relu_cpu" not implemented for {a._data.dtype} (leaky_relu takes '
            "floating point tensors)")
    return LeakyRelu.apply(a, float(negative_slope))


def to_dtype(a: Tensor, dtype: np.dtype) -> Tensor:
    """Cast to ``dtype``; the gradient is cast back. Casting to non-float cuts the graph."""
    if a._data.dtype == dtype:
        return a
    if dtype.kind != "f":
        return Tensor._wrap(a._data.astype(dtype))
    return ToDtype.apply(a, dtype)


def clone(a: Tensor) -> Tensor:
    """A copy that stays in the graph."""
    return Clone.apply(_tensor_input("clone", a))
