"""More activation functions: gelu, silu, elu, selu, celu, softplus, hardtanh, relu6,
prelu, mish, hardsigmoid, hardswish, logsigmoid, softsign, tanhshrink, softshrink,
hardshrink, threshold, glu, softmin.

All keep the input's shape ((*) -> (*), except glu, which halves one dimension). Most
are compositions of the engine's differentiable primitives (where, exp, tanh, sigmoid,
clamp, ...), so second derivatives come for free. Two are one node each: softplus
(``Softplus``), because its accurate form needs log1p, and gelu (``Gelu``), because it
runs in every transformer block and one node with a closed-form NumPy backward is several
times faster than the ten nodes of its formula. At a kink, the gradient is the one
PyTorch uses (written down beside each function). ``inplace=True`` is accepted and, as
elsewhere in this library, a new tensor is returned.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from typing_extensions import override

import autograd_core as ag
from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function
from autograd_core.ops import _erf

from ._shares import in_shares
from ._utils import check_tensor

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_APPROXIMATIONS = ("none", "tanh")


def _float_input(x: Any, op: str) -> Tensor:
    check_tensor(x, "input", op)
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f'"{op}" not implemented for \'{_torch_kind(x.dtype)}\' (floating point input '
            f"expected, got {x.dtype})")
    return x


def _torch_kind(dt: np.dtype) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool"}.get(np.dtype(dt).name, str(dt))


def _float_name(dt: np.dtype) -> str:
    return {"float64": "Double", "float32": "Float", "float16": "Half"}.get(
        np.dtype(dt).name, str(dt))


def _const(x: Tensor, arr: np.ndarray) -> Tensor:
    """``arr`` as a constant tensor of x's dtype (no history)."""
    return Tensor._wrap(np.asarray(arr, dtype=x.dtype))


# ----- softplus: the one primitive of its own --------------------------------------------


def _softplus_array(x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
    bx = x * beta
    # log(1 + e^bx) = max(bx, 0) + log1p(e^-|bx|): never overflows, exact for bx << 0.
    soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


def _sigmoid_array(a: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype, copy=False)


class Softplus(Function):
    """softplus(x) = log(1 + e^(beta x)) / beta, and x itself where beta x > threshold.

    d/dx = sigmoid(beta x), and 1 above the threshold (as PyTorch's backward).
    """

    __slots__ = ("beta", "threshold")
    elementwise = True
    arg_names = ("", "beta", "threshold")

    @staticmethod
    @override
    def forward(ctx, x, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        return _softplus_array(x, beta, threshold)

    @staticmethod
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        bx = x * ctx.beta
        local = ag.where(bx > ctx.threshold, 1.0, bx.sigmoid())
        return grad * local, None, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        x = ctx.inputs[0]._data
        bx = x * np.asarray(ctx.beta, dtype=x.dtype)
        local = np.where(bx > ctx.threshold, np.ones((), x.dtype), _sigmoid_array(bx))
        return Tensor._wrap(grad._data * local), None, None

    @override
    def formula(self, operands):
        return nt.call("softplus", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        b = nt.format_number(self.beta)
        arg = operands[0].text if b == "1.0" else f"{b}{operands[0].at(nt.MUL)}"
        return ("local", nt.call("sigmoid", arg))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta; x where beta x > threshold (for stability). (*) -> (*)."""
    _float_input(input, "softplus")
    return Softplus.apply(input, float(beta), float(threshold))


# ----- gelu ------------------------------------------------------------------------------

_KAPPA = 0.044715
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# (1 + tanh(u)) / 2 = sigmoid(2u) = 1 / (1 + e^(-2u)): one exp instead of a tanh (NumPy's
# float32 exp is the faster of the two), and no cancellation in 1 + tanh(u) near -1.
_M2C1 = -2.0 * _SQRT_2_OVER_PI  # -2u = x (_M2C1 + _M2C3 x^2)
_M2C3 = -2.0 * _SQRT_2_OVER_PI * _KAPPA


def _gelu_tanh_inner(x):
    """sqrt(2/pi) (x + 0.044715 x^3), for arrays and Tensors alike."""
    return (x + x * x * x * _KAPPA) * _SQRT_2_OVER_PI


def _gelu_tanh_half_into(x: np.ndarray, s: np.ndarray) -> None:
    """s = (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 as 1 / (1 + e^(-2u)), computed
    in place in s (e^(-2u) overflows to inf for x below about -10 in float32, giving
    the exact limit 0)."""
    np.multiply(x, x, out=s)
    s *= _M2C3
    s += _M2C1
    s *= x
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1.0
    np.reciprocal(s, out=s)


def _gelu_exact_into(x: np.ndarray, cdf: np.ndarray, out: np.ndarray) -> None:
    """cdf = Phi(x) and out = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 computed in
    float64 and rounded once: in x's dtype 1 + erf would cancel for x below -2 (float32
    gelu(-3) off by a relative 1e-5)."""
    x64 = x.astype(np.float64)
    c = _erf.erf_float64(x64 * math.sqrt(0.5))
    c += 1.0
    c *= 0.5
    cdf[...] = c
    x64 *= c
    out[...] = x64


def _gelu_local_into(x: np.ndarray, saved: np.ndarray, g: np.ndarray, local: np.ndarray,
                     approximate: str) -> None:
    """local = delta * d gelu/dx, from x, the saved Phi(x) (or (1 + t)/2), delta g."""
    np.multiply(x, x, out=local)
    if approximate == "tanh":
        # With h = (1 + t) / 2 (saved): (1 - t^2) / 2 = 2 h (1 - h), so
        # d/dx = h + x h (1 - h) 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2).
        local *= 6.0 * _KAPPA * _SQRT_2_OVER_PI
        local += 2.0 * _SQRT_2_OVER_PI
        local *= x
        h1 = 1.0 - saved
        h1 *= saved
        local *= h1
    else:
        local *= -0.5
        np.exp(local, out=local)
        local *= _INV_SQRT_2PI
        local *= x
    local += saved
    local *= g


def _flat_shares(part, *arrays: np.ndarray) -> None:
    """part(*views) on all cores (see _shares.py) over flat slices when every array is
    C-contiguous (one shape), else part(*arrays) once."""
    if all(a.flags.c_contiguous for a in arrays):
        flat = [a.reshape(-1) for a in arrays]
        n = flat[0].size
        in_shares(lambda sl: part(*[f[sl] for f in flat]), n, n)
    else:
        part(*arrays)


class Gelu(Function):
    """gelu(x) = x Phi(x). Exact: Phi(x) = (1 + erf(x / sqrt 2)) / 2 and
    d/dx = Phi(x) + x phi(x), phi the normal density. approximate="tanh":
    Phi(x) ~ (1 + t) / 2 with t = tanh(sqrt(2/pi) (x + 0.044715 x^3)), and
    d/dx = (1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2.
    """

    __slots__ = ("approximate",)
    elementwise = True
    arg_names = ("", "approximate")

    @staticmethod
    @override
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        out = np.empty_like(x)
        saved = np.empty_like(x)  # (1 + t) / 2, or Phi(x)
        if approximate == "tanh":
            def part(xs, hs, os):
                _gelu_tanh_half_into(xs, hs)
                np.multiply(xs, hs, out=os)
        else:
            def part(xs, hs, os):
                _gelu_exact_into(xs, hs, os)
        _flat_shares(part, x, saved, out)
        ctx.save_for_backward(saved)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        if ctx.approximate == "tanh":
            t = _gelu_tanh_inner(x).tanh()
            slope = (x * x * (3.0 * _KAPPA) + 1.0) * _SQRT_2_OVER_PI
            local = (t + 1.0) * 0.5 + x * (1.0 - t * t) * slope * 0.5
        else:
            cdf = (ag.erf(x * math.sqrt(0.5)) + 1.0) * 0.5
            local = cdf + x * ((x * x * -0.5).exp() * _INV_SQRT_2PI)
        return grad * local, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        x = ctx.inputs[0]._data
        saved = ctx.saved_tensors[0]
        g = grad._data
        local = np.empty_like(x)
        appr = ctx.approximate
        _flat_shares(lambda xs, ss, gs, ls: _gelu_local_into(xs, ss, gs, ls, appr),
                     x, saved, g, local)
        return Tensor._wrap(local), None

    @override
    def label(self) -> str:
        return "gelu" if self.approximate == "none" else "gelu(approximate='tanh')"

    @override
    def formula(self, operands):
        return nt.call("gelu", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        x = operands[0].text
        return ("local", nt.Expr(f"Phi({x})+{x}phi({x})", nt.ADD))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF. (*) -> (*).

    approximate="none": 0.5 x (1 + erf(x / sqrt 2)); "tanh":
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    """
    _float_input(input, "gelu")
    if approximate not in _GELU_APPROXIMATIONS:
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate)


# ----- the sigmoid / exponential family ---------------------------------------------------


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (the swish). (*) -> (*)."""
    x = _float_input(input, "silu")
    return x * x.sigmoid()


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)). (*) -> (*)."""
    x = _float_input(input, "mish")
    # Above 20, softplus(x) = x to within e^-20, and tanh of either rounds to 1.
    return x * Softplus.apply(x, 1.0, 20.0).tanh()


def _exp_branch(x: Tensor, input_scale: float) -> Tensor:
    """e^(input_scale * min(x, 0)) - 1: the negative side of the ELU family. The clamp
    keeps e^x finite where the positive branch is the one taken (else inf * 0 = nan in
    the gradient of the branch not taken)."""
    return (x.clamp(max=0.0) * input_scale).exp() - 1.0


def _elu(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    # At 0 the negative branch is taken, as PyTorch does (local gradient alpha*scale*input_scale).
    neg = _exp_branch(x, input_scale) * (alpha * scale)
    return ag.where(x > 0, x * scale if scale != 1.0 else x, neg)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha (e^x - 1). (*) -> (*)."""
    return _elu(_float_input(input, "elu"), alpha, 1.0, 1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * (x if x > 0 else alpha (e^x - 1)), with the self-normalising constants
    alpha = 1.6732632..., scale = 1.0507009.... (*) -> (*)."""
    return _elu(_float_input(input, "selu"), _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha (e^(x/alpha) - 1). (*) -> (*)."""
    x = _float_input(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _elu(x, alpha, 1.0, 1.0 / alpha)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed without overflow. (*) -> (*)."""
    x = _float_input(input, "log_sigmoid")
    return -Softplus.apply(-x, 1.0, math.inf)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|). (*) -> (*)."""
    x = _float_input(input, "softsign")
    return x / (x.abs() + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x). (*) -> (*)."""
    x = _float_input(input, "tanhshrink")
    return x - x.tanh()


# ----- piecewise linear -------------------------------------------------------------------


def _pass_inside(x: Tensor, inside: Tensor, outside_values: np.ndarray) -> Tensor:
    """x where ``inside``, the constant ``outside_values`` elsewhere: the gradient is 1
    strictly inside and 0 outside (PyTorch's convention for hardtanh & co.)."""
    return ag.where(inside, x, _const(x, outside_values))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]. (*) -> (*). The gradient is 0 at the bounds
    themselves, as PyTorch's hardtanh (unlike clamp, which passes it there)."""
    x = _float_input(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    clipped = np.clip(x._data, min_val, max_val)
    return _pass_inside(x, (x > min_val) & (x < max_val), clipped)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), i.e. hardtanh(x, 0, 6). (*) -> (*)."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between. (*) -> (*)."""
    x = _float_input(input, "hardsigmoid")
    outside = np.where(x._data <= -3.0, 0.0, 1.0)
    return _pass_inside(x / 6.0 + 0.5, (x > -3.0) & (x < 3.0), outside)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6. (*) -> (*). Gradient x/3 + 1/2 on [-3, 3] (bounds
    included), 0 below, 1 above, as PyTorch."""
    x = _float_input(input, "hardswish")
    mid = x * (x + 3.0) / 6.0
    zero = _const(x, np.zeros(()))
    return ag.where(x < -3.0, zero, ag.where(x > 3.0, x, mid))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd if x > lambd, x + lambd if x < -lambd, else 0. (*) -> (*)."""
    x = _float_input(input, "softshrink")
    if lambd < 0:
        top = float(np.finfo(x.dtype).max)
        kind = {"float64": "Double", "float32": "Float", "float16": "Half"}.get(
            x.dtype.name, x.dtype.name)
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {kind}, "
                           f"but found {lambd:g}")
    zero = _const(x, np.zeros(()))
    return ag.where(x > lambd, x - lambd, ag.where(x < -lambd, x + lambd, zero))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0. (*) -> (*)."""
    x = _float_input(input, "hardshrink")
    zero = _const(x, np.zeros(()))
    return ag.where((x > lambd) | (x < -lambd), x, zero)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``. (*) -> (*)."""
    x = check_tensor(input, "input", "threshold")
    return ag.where(x > threshold, x, _const(x, np.asarray(value)))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else a * x, with one learnable slope ``a`` per channel (dim 1).

    input (N, C, *) or (C,)... ; weight (1,) (shared) or (C,). For inputs of fewer than
    2 dimensions there is no channel dimension and weight must hold one value.
    """
    x = _float_input(input, "prelu")
    check_tensor(weight, "weight", "prelu")
    n = weight._data.size
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
            f"{weight.ndim}")
    if weight.dtype != x.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {_float_name(x.dtype)} and "
            f"{_float_name(weight.dtype)}")
    if n == 1:
        a = weight.reshape(())
    else:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {n} and channel size = {channels}.")
        a = weight.reshape((n,) + (1,) * (x.ndim - 2))
    # At 0 the slope branch is taken: d/dx = a there, d/da = x = 0 (PyTorch's choice).
    return ag.where(x > 0, x, x * a)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a, b are the two halves of ``input`` along ``dim``.
    (*, 2n, *) -> (*, n, *)."""
    x = _float_input(input, "glu")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % x.ndim if -x.ndim <= dim < x.ndim else None
    if d is None:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
            f"but got {dim})")
    size = x.shape[d]
    if size % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {d} is size {size}")
    half = size // 2
    lead = (slice(None),) * d
    return x[lead + (slice(0, half),)] * x[lead + (slice(half, size),)].sigmoid()


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``. (*) -> (*)."""
    check_tensor(input, "input", "softmin")
    if dim is None:
        import warnings
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the call to "
            "include dim=X as an argument.", stacklevel=_stacklevel)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return ag.softmax(-input, dim, dtype=dtype)
