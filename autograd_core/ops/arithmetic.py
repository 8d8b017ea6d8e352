"""Binary arithmetic: add, sub, mul, div, pow, and unary neg.

Each backward returns delta times the local derivative, reduced to the input's shape by
``unbroadcast``; inputs that are Python numbers get None.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from .. import notation as nt
from ..function import Function
from ..tensor import Tensor, _tensor_input
from ._binary import broadcast_error, fit_int_scalars, promote_pair, shape_of
from ._broadcast import unbroadcast


class _Elementwise2(Function):
    """Shared drawing data of the binary ops: elementwise, the second input is "other"."""

    __slots__ = ()
    elementwise = True
    arg_names = ("input", "other")


class Add(_Elementwise2):
    """a + b: d/da = d/db = 1."""

    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        return (
            unbroadcast(grad, a._data.shape) if isinstance(a, Tensor) else None,
            unbroadcast(grad, b._data.shape) if isinstance(b, Tensor) else None,
        )

    @override
    def formula(self, operands):
        return nt.add(operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ONE)


class Sub(_Elementwise2):
    """a - b: d/da = 1, d/db = -1."""

    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        return (
            unbroadcast(grad, a._data.shape) if isinstance(a, Tensor) else None,
            unbroadcast(-grad, b._data.shape) if isinstance(b, Tensor) else None,
        )

    @override
    def formula(self, operands):
        return nt.sub(operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ONE if k == 0 else nt.Expr("-1", nt.ADD))


def _times(grad: Tensor, other: Any) -> Tensor:
    """grad * other on the arrays, when the product keeps grad's dtype (other a Python
    number or a tensor of that dtype, where NumPy's promotion is PyTorch's); else as a
    Tensor product."""
    if other.__class__ is float or other.__class__ is int:
        return Tensor._wrap(grad._data * other)
    if isinstance(other, Tensor) and other._data.dtype == grad._data.dtype:
        return Tensor._wrap(grad._data * other._data)
    return grad * other


class Mul(_Elementwise2):
    """a * b: d/da = b, d/db = a."""

    __slots__ = ()

    @override
    def reads_input(self, i: int) -> bool:
        # Each input's value is needed only for the other input's gradient.
        other = self.inputs[1 - i]
        return isinstance(other, Tensor) and other.requires_grad

    @staticmethod
    @override
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            ga = unbroadcast(grad * b, a._data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            gb = unbroadcast(grad * a, b._data.shape)
        return ga, gb

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        # The products on the arrays, without a node's bookkeeping.
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            ga = unbroadcast(_times(grad, b), a._data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            gb = unbroadcast(_times(grad, a), b._data.shape)
        return ga, gb

    @override
    def formula(self, operands):
        return nt.mul(operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", operands[1] if k == 0 else operands[0])


class Div(_Elementwise2):
    """a / b: d/da = 1/b, d/db = -a/b^2."""

    __slots__ = ()

    @override
    def reads_input(self, i: int) -> bool:
        # a's value is needed only for b's gradient; b's for both gradients.
        b = self.inputs[1]
        return i == 1 or (isinstance(b, Tensor) and b.requires_grad)

    @staticmethod
    @override
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            ga = unbroadcast(grad / b, a._data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            # d(a/b)/db = -a / b^2, computed as -(a / b) / b: b * b under- or overflows
            # for tiny or huge b where (a / b) / b does not (PyTorch's order too).
            gb = unbroadcast(-grad * ((a / b) / b), b._data.shape)
        return ga, gb

    @override
    def formula(self, operands):
        return nt.div(operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands
        if k == 0:
            return ("local", nt.div(nt.ONE, b))
        return ("local", nt.neg(nt.div(a, nt.power(b, nt.Expr("2")))))


class Pow(_Elementwise2):
    """a ** b: d/da = b a^(b-1), d/db = a^b log(a)."""

    __slots__ = ()
    arg_names = ("input", "exponent")

    @staticmethod
    @override
    def forward(ctx, a, b):
        return np.power(a, b)

    @staticmethod
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ga = gb = None
        if isinstance(a, Tensor) and a.requires_grad:
            zero_exp = None
            if isinstance(b, Tensor):
                local = b * a ** (b - 1)
                # a**0 is constant: its derivative is 0 even at a == 0, where the formula
                # gives 0 * inf = nan, and even for an inf or NaN delta (PyTorch's rule:
                # 0 is selected after multiplying by delta).
                if np.any(b._data == 0):
                    zero_exp = b._data == 0
            elif b == 0:
                local = None
                zero_exp = True
            elif b == 1:
                local = None
            elif b == 0.5:
                local = 0.5 / a.sqrt()  # as sqrt: the sign of 1 / sqrt(-0.0) is kept
            elif b == 2:
                local = a * 2.0
            else:
                local = b * a ** (b - 1)
            ga = grad if local is None else grad * local
            if zero_exp is True:
                ga = Tensor._wrap(np.zeros(np.broadcast_shapes(grad._data.shape, a._data.shape),
                                           dtype=grad._data.dtype))
            elif zero_exp is not None:
                ga = where(zero_exp, 0.0, ga)
            ga = unbroadcast(ga, a._data.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            # d(a^b)/db = a^b log a. Where a == 0 and b >= 0 PyTorch takes the limit 0; the
            # formula would give 0 * -inf = nan.
            out = a ** b
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = a.log() if isinstance(a, Tensor) else float(np.log(a))
                local = out * log_a
            a_data = a._data if isinstance(a, Tensor) else np.asarray(a)
            at_zero = (a_data == 0) & (b._data >= 0)
            if np.any(at_zero):
                local = where(at_zero, 0.0, local)  # then times delta: NaN stays NaN
            gb = unbroadcast(grad * local, b._data.shape)
        return ga, gb

    @override
    def formula(self, operands):
        return nt.power(operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands
        if k == 1:
            return ("local", nt.mul(out, nt.call("log", a)))
        if not numbers[1]:
            return ("local", nt.mul(b, nt.power(a, nt.Expr(f"{b.at(nt.ADD)}-1", nt.ADD))))
        n = float(b.text)
        if n == 0:
            return ("local", nt.ZERO)
        if n == 1:
            return ("local", nt.ONE)
        is_int = "." not in b.text and "e" not in b.text
        return ("local", nt.mul(b, nt.power(a, nt.number(int(n) - 1 if is_int else n - 1))))


class Neg(Function):
    """-a: d/da = -1."""

    __slots__ = ()
    _reads_inputs = False  # backward needs only shapes
    elementwise = True

    @staticmethod
    @override
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    @override
    def backward(ctx, grad):
        return -grad

    @override
    def formula(self, operands):
        return nt.neg(operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.Expr("-1", nt.ADD))


def _binary(cls: type[Function], name: str, a: Any, b: Any, true_div: bool = False) -> Tensor:
    # Fast path for the commonest call, a float tensor with a Python number or a tensor of
    # the same dtype: nothing to promote (a Python number is a weak scalar, which NumPy
    # and PyTorch alike fold into the tensor's float dtype).
    if not (a.__class__ is Tensor and a._data.dtype.kind == "f" and (
            b.__class__ is float or b.__class__ is int
            or (b.__class__ is Tensor and b._data.dtype == a._data.dtype))):
        a, b = promote_pair(a, b, true_div)
        if not true_div:
            a, b = fit_int_scalars(name, a, b)
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
    # As PyTorch: no subtraction with a bool operand (a Python bool counts as one).
    bools = [isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype == np.bool_)
             for x in (a, b)]
    if all(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
            "`^` or `logical_xor()` operator instead."
        )
    if any(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
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
    _tensor_input("neg", a)
    if a._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(a)


from .compare import where  # noqa: E402
