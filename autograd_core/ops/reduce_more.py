"""More reductions and scans: cumsum, cumprod, prod, the vector p-norm (``norm``), and
the logical ones (all, any, count_nonzero, isclose, allclose, equal).

cumprod and prod have gradients that stay exact when the input holds zeros, as
PyTorch's do: with no zero the gradient is out/x times the delta (summed in reverse for
cumprod); with zeros, each element's gradient is the product of the *other* factors,
made from exclusive products, so second derivatives are right there too.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import notation as nt
from ..function import Function
from ..tensor import Tensor, _tensor_input
from .reduce import _expand_back, _keep_shape, norm_dims
from .shape import Expand, Permute, Reshape, _norm_dim
from .unary import recomputed


def _acc_dtype(dt: np.dtype) -> np.dtype:
    """The dtype scans accumulate in: float64 for smaller floats (PyTorch's CPU scans
    accumulate float32 in double), else the dtype itself."""
    return np.dtype(np.float64) if dt.kind == "f" and dt.itemsize < 8 else dt


def _int_to_long(a: Tensor, dtype: Any) -> Tensor:
    """``a`` cast to ``dtype`` if given, else integers and bools to int64 (as PyTorch's
    sum-like ops)."""
    if dtype is not None:
        return a.to(dtype)
    if a._data.dtype.kind in "biu" and a._data.dtype != np.int64:
        return Tensor._wrap(a._data.astype(np.int64))
    return a


# ----- cumsum / cumprod -------------------------------------------------------------------


class Cumsum(Function):
    """Running sums along ``dim``: each input element feeds every later output, so its
    gradient is the sum of the deltas from its position to the end (a reversed cumsum)."""

    __slots__ = ("dim",)
    _reads_inputs = False  # backward needs only the delta

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        acc = _acc_dtype(a.dtype)
        if acc != a.dtype:
            return np.cumsum(a, axis=dim, dtype=acc).astype(a.dtype)
        return np.cumsum(a, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return reversed_cumsum(grad, ctx.dim), None

    def label(self) -> str:
        return f"cumsum(dim={self.dim})"

    def formula(self, operands):
        return nt.call("cumsum", operands[0], f"dim={self.dim}")

    def trace_rule(self, k, operands, out, numbers):
        # The sum of the deltas from each position to the end: a reversed cumsum.
        return ("custom", lambda u: nt.Expr(f"flip(cumsum(flip({u.text}), dim={self.dim}))"))


def reversed_cumsum(g: Tensor, d: int) -> Tensor:
    """Sums from each position to the end along ``d`` (recorded: flip, cumsum, flip)."""
    from .index_more import Flip

    return Flip.apply(Cumsum.apply(Flip.apply(g, (d,)), d), (d,))


def _np_reversed_cumsum(g: np.ndarray, d: int) -> np.ndarray:
    acc = _acc_dtype(g.dtype)
    return np.flip(np.cumsum(np.flip(g, d), axis=d, dtype=acc), d).astype(g.dtype)


class Cumprod(Function):
    """Running products along ``dim``. Gradient: reversed_cumsum(delta * out) / x when no
    element is zero; otherwise element i gets sum over j >= i of delta_j times the
    product of x_0..x_j without x_i, which stays exact with zeros."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        acc = _acc_dtype(a.dtype)
        out = np.cumprod(a, axis=dim, dtype=acc).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        d = ctx.dim
        if not (x._data == 0).any():
            out = recomputed(ctx, lambda t: Cumprod.apply(t, d))
            return reversed_cumsum(grad * out, d) / x, None
        ctx.saved_tensors  # noqa: B018 - raises if x's output was freed or overwritten
        return _cumprod_grad_with_zeros(x, grad, d), None

    @staticmethod
    def fast_backward(ctx, grad):
        (out,) = ctx.saved_tensors
        x = ctx.inputs[0]._data
        g = grad._data
        d = ctx.dim
        zero = x == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            if not zero.any():
                res = _np_reversed_cumsum(g * out, d) / x
            else:
                # Before the first zero of a line: reversed_cumsum(delta * out) / x (the
                # outputs from the zero on are 0, so the division is exact). At the first
                # zero: the products with that zero left out. After it: 0.
                seen = np.cumsum(zero, axis=d)
                before = seen == 0
                first = zero & (seen == 1)
                t1 = _np_reversed_cumsum(g * out, d) / np.where(before, x, 1)
                without = np.cumprod(np.where(first, 1, x), axis=d,
                                     dtype=_acc_dtype(x.dtype)).astype(x.dtype)
                t2 = _np_reversed_cumsum(g * without, d)
                res = np.where(before, t1, 0) + np.where(first, t2, 0)
        return Tensor._wrap(np.ascontiguousarray(res, dtype=x.dtype)), None

    def label(self) -> str:
        return f"cumprod(dim={self.dim})"

    def formula(self, operands):
        return nt.call("cumprod", operands[0], f"dim={self.dim}")

    def trace_rule(self, k, operands, out, numbers):
        x = operands[0].text
        return ("custom", lambda u: nt.Expr(
            f"flip(cumsum(flip({u.at(nt.MUL)}*{out.at(nt.MUL)})))/{x}", nt.MUL))


def _cumprod_grad_with_zeros(x: Tensor, grad: Tensor, d: int) -> Tensor:
    """The exact gradient of cumprod when x has zeros, in Tensor ops (O(n^2) along d).

    Copy i of x (a new leading axis) has x_i replaced by 1; its cumprod at j >= i is the
    product of x_0..x_j without x_i, which multiplies delta_j in x_i's gradient.
    """
    from .compare import where
    from .unary import Clone

    shape = x._data.shape
    n = shape[d]
    nd = len(shape)
    copies = Expand.apply(Reshape.apply(x, (1,) + shape), (n,) + shape)
    i = np.arange(n).reshape((n,) + (1,) * nd)
    j = np.arange(n).reshape((1,) + tuple(n if k == d else 1 for k in range(nd)))
    without_i = Cumprod.apply(where(Tensor._wrap(i == j), 1.0, copies), d + 1)
    terms = where(Tensor._wrap(j >= i), Reshape.apply(grad, (1,) + shape) * without_i, 0.0)
    from .reduce import Sum

    g = Sum.apply(terms, (d + 1,), False)  # (n, *shape without d): copy i's gradient
    g = Permute.apply(g, tuple(range(1, d + 1)) + (0,) + tuple(range(d + 1, nd)))
    return g if g._data.flags.c_contiguous else Clone.apply(g)


def _scan(name: str, cls: type[Function], a: Tensor, dim: Any, dtype: Any) -> Tensor:
    _tensor_input(name, a)
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    d = _norm_dim(dim, a._data.ndim)
    a = _int_to_long(a, dtype)
    if a._data.ndim == 0:
        return Reshape.apply(cls.apply(Reshape.apply(a, (1,)), 0), ())
    return cls.apply(a, d)


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim`` (integers and bools give int64). (*) -> (*)."""
    return _scan("cumsum", Cumsum, a, dim, dtype)


def cumprod(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along ``dim`` (integers and bools give int64); the gradient is
    exact with zeros in ``a``. (*) -> (*)."""
    return _scan("cumprod", Cumprod, a, dim, dtype)


# ----- prod -------------------------------------------------------------------------------


class Prod(Function):
    """Product over one dim (or all elements when dim is None). Gradient: delta * out / x
    with no zero; else delta times the product of the other elements (exclusive
    products from the left and from the right), exact with zeros."""

    __slots__ = ("dim", "keepdim")

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.asarray(np.prod(a, axis=dim, keepdims=keepdim), dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        d, keep = ctx.dim, ctx.keepdim
        shape = x._data.shape
        if d is None:
            flat = Reshape.apply(x, (x._data.size,))
            g = Expand.apply(Reshape.apply(grad, (1,)), (x._data.size,))
            return Reshape.apply(_prod_grad(flat, g, 0), shape), None, None
        g = _expand_back(grad, shape, (d,), keep)
        return _prod_grad(x, g, d), None, None

    def label(self) -> str:
        return "prod" if self.dim is None else f"prod(dim={self.dim})"

    def formula(self, operands):
        return nt.call("prod", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        # The product of the other elements: out / x where x != 0.
        return ("local", nt.call("prod_others", operands[0]))


def _prod_grad(x: Tensor, g: Tensor, d: int) -> Tensor:
    """g * (product of the elements of x along d other than each one itself)."""
    n = x._data.shape[d]
    if n == 1:
        return g
    if not (x._data == 0).any():
        return g * (Prod.apply(x, d, True) / x)
    return g * (_exclusive_cumprod(x, d, False) * _exclusive_cumprod(x, d, True))


def _exclusive_cumprod(x: Tensor, d: int, reverse: bool) -> Tensor:
    """Products of the elements strictly before (after, with ``reverse``) each position."""
    from .index import GetItem
    from .index_more import Flip
    from .shape import Cat

    if reverse:
        x = Flip.apply(x, (d,))
    shape = x._data.shape
    n = shape[d]
    head = GetItem.apply(x, (slice(None),) * d + (slice(0, n - 1),), True)
    ones = Tensor._wrap(np.ones(shape[:d] + (1,) + shape[d + 1:], dtype=x._data.dtype))
    out = Cumprod.apply(Cat.apply(d, ones, head), d)
    return Flip.apply(out, (d,)) if reverse else out


def prod(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product of all elements, or along one ``dim`` (integers and bools give int64);
    the gradient is exact with zeros. (*) -> () or the reduced shape."""
    _tensor_input("prod", a)
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer))):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    a = _int_to_long(a, dtype)
    if dim is None:
        return Prod.apply(a, None, False)
    d = _norm_dim(dim, a._data.ndim)
    if a._data.ndim == 0:
        return Prod.apply(a, None, False)  # one element: itself
    return Prod.apply(a, d, bool(keepdim))


# ----- the vector p-norm -------------------------------------------------------------------


class VectorNorm(Function):
    """(sum |x|^p)^(1/p) over axes for a finite ord p != 0. Gradient as PyTorch's: p = 1:
    sign(x) delta; p = 2: x delta / norm; otherwise sign(x) |x|^(p-1) delta /
    norm^(p-1); 0 where the norm is 0 (and, for p < 1, where x is 0)."""

    __slots__ = ("ord", "axes", "keepdim")

    @staticmethod
    def forward(ctx, a, ord, axes, keepdim):  # noqa: A002
        ctx.ord, ctx.axes, ctx.keepdim = ord, axes, keepdim
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if ord == 2:
                out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
            elif ord == 1:
                out = np.sum(np.abs(a), axis=axes, keepdims=keepdim)
            else:
                s = np.sum(np.abs(a) ** a.dtype.type(ord), axis=axes, keepdims=keepdim)
                out = s ** a.dtype.type(1.0 / ord)
        return np.asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        from .compare import where
        from .unary import Abs

        x = ctx.inputs[0]
        p, axes, keep = ctx.ord, ctx.axes, ctx.keepdim
        xd = x._data
        shape = xd.shape
        g = _expand_back(grad, shape, axes, keep)
        sign = Tensor._wrap(np.sign(xd))
        if p == 1:
            return g * sign, None, None, None
        norm = _expand_back(VectorNorm.apply(x, p, axes, True), shape, axes, True)
        # Masks are constants; dividing by a "safe" norm (1 where it is 0) keeps the
        # masked-out branch finite, so second derivatives do not meet 0 * inf.
        zero_norm = norm._data == 0
        safe_norm = where(Tensor._wrap(zero_norm), 1.0, norm) if zero_norm.any() else norm
        if p == 2:
            scale = g / safe_norm
            if zero_norm.any():
                scale = where(Tensor._wrap(zero_norm), 0.0, scale)
            return x * scale, None, None, None
        ax = Abs.apply(x)
        if p < 1:
            zero_x = xd == 0
            safe_ax = where(Tensor._wrap(zero_x), 1.0, ax) if zero_x.any() else ax
            scaled = sign * safe_ax ** (p - 1)
            if zero_x.any():
                scaled = where(Tensor._wrap(zero_x), 0.0, scaled)
            return scaled * g * norm ** (1 - p), None, None, None
        scaled = sign * ax ** (p - 1) if p < 2 else x * ax ** (p - 2)
        scale = g / safe_norm ** (p - 1)
        if zero_norm.any():
            scale = where(Tensor._wrap(zero_norm), 0.0, scale)
        return scaled * scale, None, None, None

    def label(self) -> str:
        dims = "" if self.axes is None else f", dim={self.axes}"
        return f"vector_norm(ord={nt.format_number(self.ord)}{dims})"

    def formula(self, operands):
        return nt.Expr(f"||{operands[0].text}||_{nt.format_number(self.ord)}")

    def trace_rule(self, k, operands, out, numbers):
        x = operands[0].text
        p = self.ord
        if p == 1:
            return ("local", nt.call("sign", operands[0]))
        if p == 2:
            return ("local", nt.div(operands[0], out))
        return ("local", nt.Expr(
            f"sign({x})|{x}|^{nt.format_number(p - 1)}/{out.at(nt.POW)}^"
            f"{nt.format_number(p - 1)}", nt.MUL))


def _check_float(name: str, a: Tensor) -> None:
    if a._data.dtype.kind != "f":
        from ..inplace import _torch_dtype_name

        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got "
            f"{_torch_dtype_name(a._data.dtype)}")


def vector_norm(a: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements when None): (sum |x|^ord)^(1/ord),
    max |x| for inf, min |x| for -inf, the count of non-zeros for 0."""
    _tensor_input("linalg.vector_norm", a)
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
            f"{type(ord).__name__}")
    if dtype is not None:
        a = a.to(dtype)
    _check_float("linalg.vector_norm", a)
    axes = norm_dims(dim, a._data.ndim)
    ord = float(ord)
    if np.isinf(ord):
        empty = a._data.size == 0 if axes is None else builtins.any(
            a._data.shape[i] == 0 for i in axes)
        if empty:
            raise RuntimeError(
                "linalg.vector_norm cannot compute the inf norm on an empty tensor because "
                "the operation does not have an identity")
        from .reduce import AMax
        from .unary import Abs

        return AMax.apply(Abs.apply(a), axes, bool(keepdim), 1 if ord > 0 else -1)
    if ord == 0:
        # The count of non-zeros: a step function, whose gradient PyTorch leaves undefined.
        count = np.sum(a._data != 0, axis=axes, keepdims=bool(keepdim))
        return Tensor._wrap(np.asarray(count, dtype=a._data.dtype))
    return VectorNorm.apply(a, ord, axes, bool(keepdim))


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector p-norm over ``dim`` (all elements by default); 'fro' is
    the 2-norm over (at most two) dims. 'nuc' (nuclear) is not implemented."""
    _tensor_input("norm", a)
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return vector_norm(a, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            raise NotImplementedError(
                "norm(p='nuc'): the nuclear norm (sum of singular values) is not "
                "implemented in autograd_core")
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    return vector_norm(a, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


# ----- logical reductions and comparisons (no gradient) ---------------------------------


def _logical(name: str, fn, a: Tensor, dim: Any, keepdim: bool) -> Tensor:
    _tensor_input(name, a)
    x = a._data
    axes = norm_dims(dim, x.ndim)
    if dim is None:
        out = np.asarray(fn(x))
    else:
        out = np.asarray(fn(x, axis=axes, keepdims=bool(keepdim)))
        if x.ndim == 0 or axes is None:
            out = out.reshape(_keep_shape(x.shape, None) if keepdim else ())
    # uint8 in, uint8 out (PyTorch's rule); every other dtype gives bool.
    return Tensor._wrap(out.astype(np.uint8 if x.dtype == np.uint8 else np.bool_))


def all(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Are all elements non-zero (NaN counts as non-zero), over ``dim`` or everything."""
    return _logical("all", np.all, a, dim, keepdim)


def any(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Is some element non-zero, over ``dim`` or everything."""
    return _logical("any", np.any, a, dim, keepdim)


def count_nonzero(a: Tensor, dim: Any = None) -> Tensor:
    """The number of non-zero elements over ``dim`` (all when None), as int64."""
    _tensor_input("count_nonzero", a)
    axes = norm_dims(dim, a._data.ndim)
    return Tensor._wrap(np.asarray(np.count_nonzero(a._data, axis=axes), dtype=np.int64))


def broadcast_shape_or_raise(sa: tuple, sb: tuple) -> tuple:
    """The broadcast shape of tensors a and b, or PyTorch's message naming the first
    dimension (from the right) where they disagree."""
    try:
        return np.broadcast_shapes(sa, sb)
    except ValueError:
        n = builtins.max(len(sa), len(sb))
        pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
        for i in range(n - 1, -1, -1):
            if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({pa[i]}) must match the size of tensor b "
                    f"({pb[i]}) at non-singleton dimension {i}") from None
        raise


def _other_tensor(name: str, other: Any) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 2) must be Tensor, not "
            f"{type(other).__name__}")
    return other


def isclose(a: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|a - other| <= atol + rtol * |other| elementwise (equal values, infinities
    included, are close; NaN only with ``equal_nan``). Both must have one dtype."""
    from ..inplace import _torch_dtype_name as tn

    _tensor_input("isclose", a)
    other = _other_tensor("isclose", other)
    x, y = a._data, other._data
    if x.dtype != y.dtype:
        raise RuntimeError(f"{tn(x.dtype)} did not match {tn(y.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    shape = broadcast_shape_or_raise(x.shape, y.shape)
    close = np.broadcast_to(x == y, shape).copy()
    if equal_nan and x.dtype.kind == "f":
        close |= np.isnan(x) & np.isnan(y)
    if rtol == 0 and atol == 0:
        return Tensor._wrap(close)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: not close, no warning
        if x.dtype.kind == "f":
            t = x.dtype.type
            allowed = t(atol) + np.abs(t(rtol) * y)
            actual = np.abs(x - y)
        else:
            # Integers and bools: the tolerance in the default float dtype, as PyTorch.
            f = _dt.DEFAULT_FLOAT.type
            allowed = f(atol) + np.abs(f(rtol) * y.astype(_dt.DEFAULT_FLOAT))
            actual = np.abs(x.astype(_dt.DEFAULT_FLOAT) - y.astype(_dt.DEFAULT_FLOAT))
        close |= np.isfinite(actual) & (actual <= allowed)
    return Tensor._wrap(close)


def allclose(a: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element of ``a`` is close to ``other``'s (see ``isclose``)."""
    _tensor_input("allclose", a)
    _other_tensor("allclose", other)
    return bool(isclose(a, other, rtol, atol, equal_nan)._data.all())


def equal(a: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and equal elements (NaN is never equal)."""
    _tensor_input("equal", a)
    other = _other_tensor("equal", other)
    if a._data.shape != other._data.shape:
        return False
    return bool(np.array_equal(a._data, other._data))


__all__ = ["all", "allclose", "any", "count_nonzero", "cumprod", "cumsum", "equal",
           "isclose", "norm", "prod", "vector_norm", "reversed_cumsum"]
