"""Elementwise functions of one tensor: exp, log, sqrt, abs, sin, cos, tanh, sigmoid,
relu, leaky_relu, and the dtype cast.

Where the local derivative is a function of the output (exp, tanh, sigmoid, sqrt), the
plain backward reuses the saved output; under ``create_graph`` it is recomputed from the
input with Tensor ops, so that the second derivative sees how it depends on the input.
"""

from __future__ import annotations

import numpy as np

from .. import grad_mode
from ..function import Function
from ..tensor import Tensor, _check_number, _tensor_input

_STATE = grad_mode.STATE


def _output(ctx: Function, recompute) -> Tensor:
    """The array the op saved (its output, say) as a Tensor; under create_graph, the same
    recomputed from the input by ``recompute`` so that it is recorded in the graph."""
    if _STATE.enabled:
        return recompute(ctx.inputs[0])
    return Tensor._wrap(ctx.saved_tensors[0])


class Exp(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * _output(ctx, Exp.apply)


class Log(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.inputs[0]


class Sqrt(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad / (_output(ctx, Sqrt.apply) * 2.0)


class Abs(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        # sign(0) = 0: PyTorch's subgradient at the kink; and sign(NaN) = 0 there too
        # (NumPy's sign(NaN) is NaN), hence the two comparisons.
        x = ctx.inputs[0].data
        return grad * Tensor._wrap((x > 0).astype(x.dtype) - (x < 0))


class Sin(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * Cos.apply(ctx.inputs[0])


class Cos(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad * Sin.apply(ctx.inputs[0])


class Tanh(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        y = _output(ctx, Tanh.apply)
        # d tanh(u)/du = 1 - tanh(u)^2
        return grad * (1.0 - y * y)


def _sigmoid_array(a: np.ndarray) -> np.ndarray:
    # Split by sign so that exp never overflows: for a < 0 use e^a / (1 + e^a).
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


class Sigmoid(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        out = _sigmoid_array(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        s = _output(ctx, Sigmoid.apply)
        # d sigma(u)/du = sigma(u) (1 - sigma(u)), at most 0.25
        return grad * (s * (1.0 - s))


class Relu(Function):
    __slots__ = ()
    _fresh_grads = True  # backward returns a new array, or the delta it owned

    @staticmethod
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
    def backward(ctx, grad):
        # The mask is a constant: relu's second derivative is zero almost everywhere.
        # Selected, not multiplied: a NaN delta at x <= 0 gives 0, as in PyTorch.
        if _STATE.enabled:
            # create_graph (or a trace replaying a node whose mask backward already
            # freed): the mask again from the input, which the engine checked is unchanged.
            from .compare import masked_grad

            return masked_grad(grad, ~(ctx.inputs[0].data <= 0))
        (mask,) = ctx.saved_tensors
        gd = grad.data
        # Multiplying by the 0/1 mask is several times faster than np.where and equal to
        # selecting except where a non-finite delta meets a 0 (inf * 0 = NaN). Such a
        # product leaves a NaN, which max() propagates: one cheap pass to check. A delta
        # that only this pass holds is masked in place (no new array to write); where
        # the mask passes it its values are unchanged, so the exact fallback still reads
        # the right ones.
        if ctx.owns_grad and gd.flags.writeable and gd.shape == mask.shape:
            out = np.multiply(gd, mask, out=gd)
        else:
            out = gd * mask
        if out.size == 0 or not np.isnan(np.maximum.reduce(out, axis=None)):
            return Tensor._wrap(out)
        return Tensor._wrap(np.where(mask, gd, np.zeros((), gd.dtype)))


class LeakyRelu(Function):
    __slots__ = ("slope",)

    @staticmethod
    def forward(ctx, a, negative_slope):
        ctx.slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0].data
        local = np.where(x > 0, 1.0, ctx.slope).astype(grad.data.dtype, copy=False)
        return grad * Tensor._wrap(local), None

    def describe(self) -> str:
        return f"leaky_relu(negative_slope={self.slope})"


class ToDtype(Function):
    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    def forward(ctx, a, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        src = ctx.inputs[0].data.dtype
        return ToDtype.apply(grad, src), None


class Clone(Function):
    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _float_input(name: str, a: Tensor) -> Tensor:
    _tensor_input(name, a)
    if a.data.dtype.kind != "f":
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
    return LeakyRelu.apply(_tensor_input("leaky_relu", a), float(negative_slope))


def to_dtype(a: Tensor, dtype: np.dtype) -> Tensor:
    """Cast to ``dtype``; the gradient is cast back. Casting to non-float cuts the graph."""
    if a.data.dtype == dtype:
        return a
    if dtype.kind != "f":
        return Tensor._wrap(a.data.astype(dtype))
    return ToDtype.apply(a, dtype)


def clone(a: Tensor) -> Tensor:
    """A copy that stays in the graph."""
    return Clone.apply(_tensor_input("clone", a))
