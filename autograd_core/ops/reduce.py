"""Reductions: sum, mean, var, max/min (whole tensor, along a dim, amax/amin), argmax,
argmin, logsumexp, softmax and log_softmax.

``max(dim)`` returns (values, indices) as PyTorch does; its gradient reaches the argmax
through ``gather``, whose backward is a scatter-add. Whole-tensor max and amax share the
gradient evenly between tied maxima, as PyTorch does.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

import numpy as np
from typing_extensions import override

from .. import notation as nt
from ..function import Function
from ..tensor import Tensor
from .shape import Expand, Reshape, _norm_dim, squeeze
from .unary import recomputed

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def norm_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """None (all dims) or a sorted tuple of non-negative dims, checked."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:
        return None
    out = tuple(sorted(_norm_dim(d, ndim) for d in dims))
    if len(set(out)) != len(out):
        twice = next(d for i, d in enumerate(out) if d in out[:i])
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims")
    if ndim == 0:
        return None
    return out


def _keep_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(grad: Tensor, in_shape: tuple[int, ...], axes, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim:
        grad = Reshape.apply(grad, _keep_shape(in_shape, axes))
    if grad._data.shape == in_shape:
        return grad
    return Expand.apply(grad, in_shape)


class Sum(Function):
    """Sum over axes: every input element gets the delta of its sum (d/dx = 1)."""

    __slots__ = ("axes", "keepdim")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, a, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        return np.sum(a, axis=axes, keepdims=keepdim)

    @staticmethod
    @override
    def backward(ctx, grad):
        return _expand_back(grad, ctx.inputs[0]._data.shape, ctx.axes, ctx.keepdim), None, None

    @override
    def label(self) -> str:
        return "sum" if self.axes is None else f"sum(dim={self.axes})"

    @override
    def formula(self, operands):
        return nt.call("sum", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ONE)


class Mean(Function):
    """Mean over axes (n elements each): d/dx = 1/n."""

    __slots__ = ("axes", "keepdim", "n")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, a, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.n = a.size if axes is None else math.prod([a.shape[i] for i in axes])
        return np.mean(a, axis=axes, keepdims=keepdim)

    @staticmethod
    @override
    def backward(ctx, grad):
        g = _expand_back(grad, ctx.inputs[0]._data.shape, ctx.axes, ctx.keepdim)
        return g * (1.0 / ctx.n) if ctx.n else g, None, None

    @override
    def label(self) -> str:
        return "mean" if self.axes is None else f"mean(dim={self.axes})"

    @override
    def formula(self, operands):
        return nt.call("mean", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.Expr(f"1/{self.n}", nt.MUL))


class AMax(Function):
    """Max (or, with sign=-1, min) over axes; ties share the gradient evenly."""

    __slots__ = ("axes", "keepdim", "sign")

    @staticmethod
    @override
    def forward(ctx, a, axes, keepdim, sign, nan_wins=False):
        ctx.axes, ctx.keepdim, ctx.sign = axes, keepdim, sign
        m = np.max(a, axis=axes, keepdims=True) if sign > 0 else np.min(
            a, axis=axes, keepdims=True)
        mask = a == m
        if nan_wins and np.isnan(m).any():
            # max() / min() over everything: a NaN result takes its gradient from the NaN
            # elements (PyTorch's rule; amax's NaN gradient spreads instead).
            mask = np.isnan(a)
        weights = mask / np.sum(mask, axis=axes, keepdims=True)
        ctx.save_for_backward(weights.astype(a.dtype, copy=False))
        return m if keepdim else m.reshape(
            () if axes is None else tuple(s for i, s in enumerate(a.shape) if i not in axes))

    @staticmethod
    @override
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        from .compare import masked_grad

        g = _expand_back(grad, ctx.inputs[0]._data.shape, ctx.axes, ctx.keepdim)
        rest = (None,) * (len(ctx.inputs) - 1)
        if len(ctx.inputs) > 4 and ctx.inputs[4]:
            # max() / min(): the gradient is put at the chosen elements (a NaN delta
            # stays there); amax / amin multiply by the shares, NaN spreading, as PyTorch.
            return (masked_grad(g, w),) + rest
        return (g * Tensor._wrap(w),) + rest

    @override
    def label(self) -> str:
        name = "max" if self.sign > 0 else "min"
        return name if self.axes is None else f"a{name}(dim={self.axes})"

    @override
    def formula(self, operands):
        return nt.call(self.label().split("(")[0], operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        # The delta goes to the extreme element(s); tied ones share it evenly.
        return ("local", nt.iverson(f"{operands[0].text}={out.text}"))


class Softmax(Function):
    """s = softmax(x) along dim: delta_x = s * (delta - sum(delta * s))."""

    __slots__ = ("dim",)

    @staticmethod
    @override
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.size == 0:
            ctx.save_for_backward(a)
            return a.copy()  # NumPy's max has no identity to reduce an empty axis with
        # Shift by the max so exp never overflows; softmax is unchanged by the shift.
        e = np.exp(a - np.max(a, axis=dim, keepdims=True))
        s = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    @override
    def backward(ctx, grad):
        d = ctx.dim
        s = recomputed(ctx, lambda x: Softmax.apply(x, d))
        # ds_i/da_j = s_i (1[i=j] - s_j)  =>  delta_a = s * (delta - sum(delta * s))
        return s * (grad - Sum.apply(grad * s, (d,), True)), None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        s = ctx.saved_tensors[0]
        g = grad._data
        return Tensor._wrap(s * (g - np.sum(g * s, axis=ctx.dim, keepdims=True))), None

    @override
    def label(self) -> str:
        return f"softmax(dim={self.dim})"

    @override
    def formula(self, operands):
        return nt.call("softmax", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        s = out.at(nt.MUL)
        return ("custom", lambda u: nt.Expr(
            f"{s}*({u.text}-sum({u.at(nt.MUL)}*{s}, dim={self.dim}))", nt.MUL))


class LogSoftmax(Function):
    """log softmax(x) along dim: delta_x = delta - softmax(x) * sum(delta)."""

    __slots__ = ("dim",)

    @staticmethod
    @override
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.size == 0:
            ctx.save_for_backward(a)
            return a.copy()  # as Softmax: nothing to reduce
        shifted = a - np.max(a, axis=dim, keepdims=True)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        d = ctx.dim
        s = recomputed(ctx, lambda x: Softmax.apply(x, d))
        # d log s_i / da_j = 1[i=j] - s_j  =>  delta_a = delta - s * sum(delta)
        return grad - s * Sum.apply(grad, (d,), True), None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        s = np.exp(ctx.saved_tensors[0])
        g = grad._data
        return Tensor._wrap(g - s * np.sum(g, axis=ctx.dim, keepdims=True)), None

    @override
    def label(self) -> str:
        return f"log_softmax(dim={self.dim})"

    @override
    def formula(self, operands):
        return nt.call("log_softmax", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        s = nt.call("softmax", operands[0]).text
        return ("custom", lambda u: nt.Expr(
            f"{u.at(nt.ADD)}-{s}*sum({u.text}, dim={self.dim})", nt.ADD))


def _float_only(name: str, a: Tensor) -> None:
    if a._data.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {a._data.dtype}"
        )


def sum(a: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (int, tuple, or None for all). (*) -> reduced shape."""
    if dtype is not None:
        a = a.to(dtype)
    axes = norm_dims(dim, a._data.ndim)
    if a._data.dtype.kind in "biu" and a._data.dtype != np.int64:  # uint8 too, as torch
        a = Tensor._wrap(a._data.astype(np.int64))
    return Sum.apply(a, axes, bool(keepdim))


def mean(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (int, tuple, or None for all). (*) -> reduced shape."""
    _float_only("mean", a)
    axes = norm_dims(dim, a._data.ndim)
    return Mean.apply(a, axes, bool(keepdim))


def var(
    a: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
    correction: float | None = None,
) -> Tensor:
    """Variance over ``dim``: sum((x - mean)^2) / (N - correction); correction 1 by default."""
    if isinstance(dim, bool):  # var(False): PyTorch's var(unbiased) overload
        dim, unbiased = None, dim
    if a._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased else 0
    if a._data.dtype.itemsize < 8:
        # Squares of large float32 values overflow; PyTorch accumulates the variance of
        # float32 in float64 on the CPU, so do the same and cast the result back.
        return var(a.to(np.float64), dim, keepdim=keepdim, correction=correction).to(
            a._data.dtype)
    axes = norm_dims(dim, a._data.ndim)
    return Var.apply(a, axes, bool(keepdim), correction)


class Var(Function):
    """sum((x - mean)^2) / (N - correction) over axes.

    Its own backward, delta * 2 (x - mean) / (N - correction), rather than the chain
    through mean: the mean's term sums to zero analytically, but with an inf in x it
    would spread NaN to every element, which PyTorch's formula does not.
    """

    __slots__ = ("axes", "keepdim", "scale")

    @staticmethod
    @override
    def forward(ctx, a, axes, keepdim, correction):
        ctx.axes, ctx.keepdim = axes, keepdim
        n = a.size if axes is None else math.prod([a.shape[i] for i in axes])
        # As PyTorch: the value divides by max(N - correction, 0) (giving inf or NaN, its
        # warning left out), the gradient by N - correction itself.
        with np.errstate(divide="ignore", invalid="ignore"):
            centered = a - np.mean(a, axis=axes, keepdims=True) if a.size else a
            ctx.scale = float(np.float64(2.0) / np.float64(n - correction))
            out = np.sum(centered * centered, axis=axes, keepdims=keepdim)
            out = out / np.float64(builtins.max(n - correction, 0))
        ctx.save_for_backward(centered)
        return np.asarray(out, dtype=a.dtype)

    @staticmethod
    @override
    def backward(ctx, grad):
        x = ctx.inputs[0]
        # x - mean, recorded, so that higher derivatives see how it depends on x
        return _var_grad(ctx, grad, x - Mean.apply(x, ctx.axes, True))

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        # x - mean as forward saved it
        return _var_grad(ctx, grad, Tensor._wrap(ctx.saved_tensors[0]))

    @override
    def label(self) -> str:
        return "var" if self.axes is None else f"var(dim={self.axes})"

    @override
    def formula(self, operands):
        return nt.call("var", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        a = operands[0].text
        # scale = 2 / (N - correction)
        return ("local", nt.Expr(
            f"{nt.format_number(self.scale)}({a}-mean({a}))", nt.MUL))


def _var_grad(ctx: Var, grad: Tensor, centered: Tensor) -> tuple:
    """delta * 2 (x - mean) / (N - correction), delta broadcast back over the axes."""
    g = _expand_back(grad, ctx.inputs[0]._data.shape, ctx.axes, ctx.keepdim)
    return g * centered * ctx.scale, None, None, None


class _StdSqrt(Function):
    """sqrt of a variance; where the result is 0 the gradient is 0 (PyTorch's rule for
    std), not the inf * 0 = NaN that plain sqrt would give."""

    __slots__ = ()
    elementwise = True
    label_name = "sqrt"

    @staticmethod
    @override
    def forward(ctx, v):
        out = np.sqrt(v)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        return _std_sqrt_grad(grad, recomputed(ctx, _StdSqrt.apply))

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        return _std_sqrt_grad(grad, Tensor._wrap(ctx.saved_tensors[0]))

    @override
    def formula(self, operands):
        return nt.call("sqrt", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.div(nt.ONE, nt.Expr(f"2{nt.call('sqrt', operands[0]).text}",
                                                nt.MUL)))


def _std_sqrt_grad(grad: Tensor, out: Tensor) -> Tensor:
    """delta / (2 out), 0 where out is 0 (for std, out = sqrt(var))."""
    from .compare import where

    zero = out._data == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        g = grad / (out * 2.0)
    return where(zero, 0.0, g) if zero.any() else g


def std(
    a: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
    correction: float | None = None,
) -> Tensor:
    """Standard deviation over ``dim``: sqrt(var); gradient 0 where it is 0."""
    if isinstance(dim, bool):  # std(False): PyTorch's std(unbiased) overload
        dim, unbiased = None, dim
    if isinstance(a, Tensor) and a._data.dtype.itemsize < 8 and a._data.dtype.kind == "f":
        # As var: computed in float64 (a variance that overflows float32 may have a
        # square root that does not), then cast back.
        return std(a.to(np.float64), dim, unbiased, keepdim, correction=correction).to(
            a._data.dtype)
    return _StdSqrt.apply(var(a, dim, unbiased, keepdim, correction=correction))


def _check_nonempty(name: str, a: Tensor, axes) -> None:
    if a._data.size == 0:
        if axes is None:
            # torch raises IndexError for argmax/argmin here, RuntimeError for the rest.
            err = IndexError if name.startswith("arg") else RuntimeError
            raise err(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        for ax in axes:
            if a._data.shape[ax] == 0:
                raise IndexError(
                    f"{name}(): Expected reduction dim {ax} to have non-zero size."
                )


def amax(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Max over ``dim`` (all when None); tied maxima share the gradient evenly."""
    axes = norm_dims(dim, a._data.ndim)
    _check_nonempty("amax", a, axes)
    return AMax.apply(a, axes, bool(keepdim), 1)


def amin(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Min over ``dim`` (all when None); tied minima share the gradient evenly."""
    axes = norm_dims(dim, a._data.ndim)
    _check_nonempty("amin", a, axes)
    return AMax.apply(a, axes, bool(keepdim), -1)


def _arg(name: str, fn, a: Tensor, dim: Any, keepdim: bool) -> Tensor:
    if dim is None:
        _check_nonempty(name, a, None)
        return Tensor._wrap(np.asarray(fn(a._data), dtype=np.int64))
    nd = a._data.ndim
    d = _norm_dim(dim, nd)
    if nd == 0:
        return Tensor._wrap(np.asarray(0, dtype=np.int64))
    _check_nonempty(name, a, (d,))
    return Tensor._wrap(fn(a._data, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when dim is None), int64."""
    return _arg("argmax", np.argmax, a, dim, keepdim)


def argmin(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when dim is None), int64."""
    return _arg("argmin", np.argmin, a, dim, keepdim)


def _max_min(name: str, a: Tensor, dim: Any, keepdim: bool, sign: int) -> Any:
    if dim is None:
        axes = None
        _check_nonempty(name, a, None)
        return AMax.apply(a, axes, False, sign, True)
    if isinstance(dim, Tensor):
        # max(a, b) spelled as a.max(b): the elementwise maximum.
        from .compare import maximum, minimum

        return maximum(a, dim) if sign > 0 else minimum(a, dim)
    nd = a._data.ndim
    d = _norm_dim(dim, nd)
    if nd == 0:
        idx = Tensor._wrap(np.asarray(0, dtype=np.int64))
        res = MaxResult if sign > 0 else MinResult
        return res(a, idx)
    _check_nonempty(name, a, (d,))
    idx, best = _arg_extreme(a._data, d, sign)
    from .index import Gather

    # The values are a gather at the arg-extremes, so the gradient is routed back to them
    # by gather's backward (a scatter); ``best`` only spares gather recomputing them.
    values = Gather.apply(a, d, idx if idx.dtype == np.int8 else idx.astype(np.intp), best)
    idx = idx.astype(np.int64, copy=False)
    indices = Tensor._wrap(idx)
    if not keepdim:
        values = squeeze(values, d)
        indices = Tensor._wrap(np.squeeze(idx, axis=d))
    res = MaxResult if sign > 0 else MinResult
    return res(values, indices)


_SHORT_AXIS = 16


def _arg_extreme(x: np.ndarray, axis: int, sign: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Indices (keepdim) of the max (sign > 0) or min along ``axis``, and the values
    themselves when they came for free (else None). Ties go to the first index.

    The indices are int8 for a short axis (at most 16) of floats, else int64.
    """
    k = x.shape[axis]
    if k <= _SHORT_AXIS and x.dtype.kind == "f":
        # NumPy's argmax over a short axis runs an inner loop per output element (slow for
        # pooling windows). Instead, k passes over whole slices, all branch-free: masked
        # copies and np.where mispredict on random masks and run ~30x slower than
        # arithmetic, so the index is updated as idx += better * (i - idx) in int8.
        lead = (slice(None),) * axis
        extreme = np.maximum if sign > 0 else np.minimum
        best = x[lead + (slice(0, 1),)].copy()
        idx = np.zeros(best.shape, dtype=np.int8)
        for i in range(1, k):
            xi = x[lead + (slice(i, i + 1),)]
            better = xi > best if sign > 0 else xi < best  # strict: ties keep the first
            idx += better * (np.int8(i) - idx)
            extreme(best, xi, out=best)
        # maximum/minimum carry a NaN into best, so a NaN anywhere shows up here; then
        # NumPy's argmax (which stops at the first NaN, as PyTorch) decides.
        if not np.isnan(best).any():
            return idx, best
    fn = np.argmax if sign > 0 else np.argmin
    return fn(x, axis=axis, keepdims=True).astype(np.int64, copy=False), None


def max(a: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``max()``: the largest value; ``max(dim)``: (values, indices) along ``dim``."""
    return _max_min("max", a, dim, keepdim, 1)


def min(a: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``min()``: the smallest value; ``min(dim)``: (values, indices) along ``dim``."""
    return _max_min("min", a, dim, keepdim, -1)


def logsumexp(a: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(a), dim)), stable for large inputs (shifted by the max)."""
    _float_only("logsumexp", a)
    axes = norm_dims(dim, a._data.ndim)
    if a._data.size == 0:
        return Sum.apply(a, axes, bool(keepdim)) + float("-inf")
    m = np.max(a._data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(a._data.dtype, copy=False)
    # The shift m is a constant: d/da of log sum exp(a - m) + m is still softmax(a).
    shifted = a - Tensor._wrap(m)
    out = Sum.apply(shifted.exp(), axes, True).log() + Tensor._wrap(m)
    if not keepdim:
        out = Reshape.apply(out, tuple(
            s for i, s in enumerate(a._data.shape) if axes is not None and i not in axes))
    return out


def _normalise_along(cls: type[Function], name: str, a: Tensor, dim: int,
                     dtype: Any) -> Tensor:
    """Shared argument handling of softmax and log_softmax."""
    if dtype is not None:
        a = a.to(dtype)
    _float_only(name, a)
    d = _norm_dim(dim, a._data.ndim)
    if a._data.ndim == 0:
        # A single element (NumPy has no axis 0 to reduce): computed as a 1-vector.
        return Reshape.apply(cls.apply(Reshape.apply(a, (1,)), 0), ())
    return cls.apply(a, d)


def softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(a) / sum(exp(a), dim), computed stably. (*) -> (*)."""
    return _normalise_along(Softmax, "softmax", a, dim, dtype)


def log_softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """a - logsumexp(a, dim), computed stably. (*) -> (*)."""
    return _normalise_along(LogSoftmax, "log_softmax", a, dim, dtype)
