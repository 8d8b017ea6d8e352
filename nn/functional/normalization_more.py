"""layer_norm, group_norm, rms_norm and normalize, composed from differentiable primitives
(mean, sqrt, where, ...), plus the vector norm they share with the distance functions.

layer_norm normalises over the trailing ``normalized_shape`` dimensions of each sample;
group_norm over each group of channels (and all spatial positions) of each sample;
rms_norm divides by the root mean square over the trailing dimensions without centring;
normalize divides vectors along one dimension by their p-norm.

layer_norm (and group_norm, which is a layer norm of each group) is one node,
``LayerNormFn``: it runs twice in every transformer block, and its closed-form backward
(written in Tensor ops, so it is differentiable again, with a NumPy fast path) is several
times faster than the nine nodes of the composition.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from typing_extensions import override

import autograd_core as ag
from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function

from ._shares import in_shares
from ._utils import check_tensor


def _shape_tuple(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _check_trailing(op: str, x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The trailing dims that ``shape`` names, or PyTorch's error when they differ."""
    k = len(shape)
    if k == 0:
        raise RuntimeError(f"{op}: Expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got normalized_shape "
                           "= []")
    if x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(x.shape)}")
    return tuple(range(x.ndim - k, x.ndim))


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half"}


def _check_param_dtype(x: Tensor, t: Tensor) -> None:
    """PyTorch's CPU norms refuse parameters of another floating dtype than the input."""
    if t.dtype != x.dtype:
        name = _TORCH_NAMES.get(x.dtype.name, x.dtype.name)
        raise RuntimeError(
            f"mixed dtype (CPU): expect parameter to have scalar type of {name}")


def _check_affine(op: str, name: str, t: Tensor | None, shape: tuple[int, ...]) -> None:
    if t is None:
        return
    check_tensor(t, name, op)
    if tuple(t.shape) != shape:
        raise RuntimeError(
            f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
            f"shape {list(t.shape)} and normalized_shape = {list(shape)}")


class LayerNormFn(Function):
    """y = x_hat * w + b, x_hat = (x - mean) / sqrt(var + eps) over the last ``k`` dims
    (biased variance); w and b (the normalised shape) are optional.

    With g = delta * w and means over the normalised dims:
    dx = (g - mean(g) - x_hat mean(g x_hat)) / sqrt(var + eps),
    dw = sum over the other dims of delta x_hat, db = the same sum of delta.
    """

    __slots__ = ("k", "eps")
    arg_names = ("", "", "", "dims", "eps")

    @staticmethod
    @override
    def forward(ctx, x, weight, bias, k, eps):
        ctx.k, ctx.eps = k, eps
        n = math.prod(x.shape[x.ndim - k:])
        if x.size == 0 or n == 0:
            return _layer_norm_by_axes(ctx, x, weight, bias, k, eps)
        # Rows of n numbers: einsum's row sums are several times faster than mean() on
        # short rows; x_hat is made in place; rows run on all cores (see _shares.py).
        x2 = x.reshape(-1, n)
        inv_n = 1.0 / n
        x_hat = np.empty(x2.shape, x.dtype)
        rstd = np.empty(x2.shape[0], x.dtype)
        out = np.empty(x2.shape, x.dtype)
        w = None if weight is None else weight.reshape(-1)
        b = None if bias is None else bias.reshape(-1)

        def part(sl):
            xs, xh, r, o = x2[sl], x_hat[sl], rstd[sl], out[sl]
            np.subtract(xs, (np.einsum("ij->i", xs) * inv_n)[:, None], out=xh)
            np.einsum("ij,ij->i", xh, xh, out=r)
            r *= inv_n
            r += eps
            np.sqrt(r, out=r)
            np.reciprocal(r, out=r)
            xh *= r[:, None]
            if w is not None:
                np.multiply(xh, w, out=o)
                if b is not None:
                    o += b
            elif b is not None:
                np.add(xh, b, out=o)
            else:
                o[...] = xh

        in_shares(part, x2.shape[0], x2.size)
        ctx.save_for_backward(x_hat.reshape(x.shape), rstd.reshape(x.shape[:x.ndim - k]
                                                                   + (1,) * k))
        return out.reshape(x.shape)

    @staticmethod
    @override
    def backward(ctx, grad):
        x, weight, bias = ctx.inputs[:3]
        k, eps = ctx.k, ctx.eps
        axes = tuple(range(x.ndim - k, x.ndim))
        lead = tuple(range(x.ndim - k))
        centered = x - x.mean(dim=axes, keepdim=True)
        var = (centered * centered).mean(dim=axes, keepdim=True)
        rstd = 1.0 / (var + eps).sqrt()
        x_hat = centered * rstd
        g = grad * weight if weight is not None else grad
        gx = (g - g.mean(dim=axes, keepdim=True)
              - x_hat * (g * x_hat).mean(dim=axes, keepdim=True)) * rstd
        gw = gb = None
        if isinstance(weight, Tensor) and weight.requires_grad:
            gw = (grad * x_hat).sum(dim=lead) if lead else grad * x_hat
        if isinstance(bias, Tensor) and bias.requires_grad:
            gb = grad.sum(dim=lead) if lead else grad * 1.0
        return gx, gw, gb, None, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        x, weight, bias = ctx.inputs[:3]
        x_hat, rstd = ctx.saved_tensors
        d = grad._data
        if not d.flags.c_contiguous or d.size == 0:
            return _layer_norm_backward_by_axes(ctx, grad)
        k = ctx.k
        shape = x_hat.shape
        n = math.prod(shape[len(shape) - k:])
        inv_n = 1.0 / n
        d2, xh = d.reshape(-1, n), x_hat.reshape(-1, n)
        r2 = rstd.reshape(-1, 1)
        w = None if weight is None else weight._data.reshape(-1)
        gx = np.empty(d2.shape, d.dtype)

        def part(sl):
            # dx = (g - mean(g) - x_hat mean(g x_hat)) rstd, g = delta w, in place.
            g, xs = gx[sl], xh[sl]
            if w is not None:
                np.multiply(d2[sl], w, out=g)
            else:
                g[...] = d2[sl]
            mg = np.einsum("ij->i", g)
            mg *= inv_n
            mgx = np.einsum("ij,ij->i", g, xs)
            mgx *= inv_n
            g -= mg[:, None]
            g -= xs * mgx[:, None]
            g *= r2[sl]

        in_shares(part, d2.shape[0], d2.size)
        g = gx
        gw = gb = None
        wrap = Tensor._wrap
        wshape = shape[len(shape) - k:]
        if isinstance(weight, Tensor) and weight.requires_grad:
            gw = wrap(np.add.reduce(d2 * xh, axis=0).reshape(wshape) if len(shape) > k
                      else d * x_hat)
        if isinstance(bias, Tensor) and bias.requires_grad:
            gb = wrap(np.add.reduce(d2, axis=0).reshape(wshape) if len(shape) > k
                      else d * 1.0)
        return wrap(g.reshape(shape)), gw, gb, None, None

    @override
    def label(self) -> str:
        return f"layer_norm(dims={self.k}, eps={nt.format_number(self.eps)})"

    @override
    def formula(self, operands):
        return nt.call("layer_norm", *[o for o in operands[:3] if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        if k == 0:
            return ("custom", lambda u: nt.call("layer_norm_backward", u))
        if k == 1:
            return ("custom", lambda u: nt.call("sum", nt.mul(u, nt.Expr("x_hat"))))
        return ("custom", lambda u: nt.call("sum", u))


def _layer_norm_by_axes(ctx, x, weight, bias, k, eps):
    """LayerNormFn's forward on the trailing k axes as they are (empty inputs)."""
    axes = tuple(range(x.ndim - k, x.ndim))
    centered = x - x.mean(axis=axes, keepdims=True)
    var = (centered * centered).mean(axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(var + eps)
    x_hat = centered * rstd
    ctx.save_for_backward(x_hat, rstd)
    out = x_hat
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _layer_norm_backward_by_axes(ctx, grad):
    """LayerNormFn's NumPy backward with broadcasting over the trailing axes, whose
    results take the memory layout that the formula's gives (a delta in Fortran order,
    after a transpose) and that also handles empty inputs."""
    x, weight, bias = ctx.inputs[:3]
    x_hat, rstd = ctx.saved_tensors
    k = ctx.k
    axes = tuple(range(x_hat.ndim - k, x_hat.ndim))
    lead = tuple(range(x_hat.ndim - k))
    d = grad._data
    g = d * weight._data if weight is not None else d
    gx = (g - g.mean(axis=axes, keepdims=True)
          - x_hat * (g * x_hat).mean(axis=axes, keepdims=True)) * rstd
    gw = gb = None
    wrap = Tensor._wrap
    if isinstance(weight, Tensor) and weight.requires_grad:
        gw = wrap((d * x_hat).sum(axis=lead) if lead else d * x_hat)
    if isinstance(bias, Tensor) and bias.requires_grad:
        gb = wrap(d.sum(axis=lead) if lead else d * 1.0)
    return wrap(gx), gw, gb, None, None


def _standardise(x: Tensor, dims: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) / sqrt(var + eps) over the trailing ``dims`` (biased variance)."""
    return LayerNormFn.apply(x, None, None, len(dims), float(eps))


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its trailing ``normalized_shape`` dims, then
    y = x_hat * weight + bias. input (*, *normalized_shape) -> same shape; weight and
    bias have shape ``normalized_shape``."""
    check_tensor(input, "input", "layer_norm")
    shape = _shape_tuple(normalized_shape)
    dims = _check_trailing("layer_norm", input, shape)
    _check_affine("layer_norm", "weight", weight, shape)
    _check_affine("layer_norm", "bias", bias, shape)
    for t in (weight, bias):
        if t is not None:
            _check_param_dtype(input, t)
    return LayerNormFn.apply(input, weight, bias, len(dims), float(eps))


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of each sample into ``num_groups`` groups and normalise each
    group over its channels and positions; then per-channel weight (C,) and bias (C,).
    input (N, C, *) -> (N, C, *)."""
    check_tensor(input, "input", "group_norm")
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            check_tensor(t, name, "group_norm")
            if t.ndim != 1 or t.shape[0] != c:
                raise RuntimeError(
                    f"Expected {name} to be a vector of size equal to the number of channels "
                    f"in input, but got {name} of shape {list(t.shape)} and input of shape "
                    f"{list(input.shape)}")
            _check_param_dtype(input, t)
    grouped = input.reshape(n, num_groups, -1)
    out = _standardise(grouped, (2,), eps).reshape(input.shape)
    channel = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(channel)
    if bias is not None:
        out = out + bias.reshape(channel)
    return out


def rms_norm(input: Tensor, normalized_shape: Sequence[int] | int,
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing ``normalized_shape`` dims, times weight.
    eps None: the machine epsilon of the input's dtype. (*, *shape) -> same shape."""
    check_tensor(input, "input", "rms_norm")
    shape = _shape_tuple(normalized_shape)
    dims = _check_trailing("rms_norm", input, shape)
    _check_affine("rms_norm", "weight", weight, shape)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    ms = (input * input).mean(dim=dims, keepdim=True)
    out = input / (ms + eps).sqrt()
    return out * weight if weight is not None else out


# ----- vector norms -----------------------------------------------------------------------


def _safe_root(s: Tensor, root: float) -> Tensor:
    """s ** (1/root) for s >= 0 with a zero gradient where s == 0 (PyTorch's norm
    backward masks the zero norm; the plain power would give inf * 0 = nan)."""
    pos = s > 0
    safe = ag.where(pos, s, 1.0)
    r = safe.sqrt() if root == 2 else safe ** (1.0 / root)
    return ag.where(pos, r, 0.0)


def vector_norm(x: Tensor, p: float = 2.0, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The p-norm of x over ``dim`` (all dims when None), as torch.linalg.vector_norm:
    p = inf: max |x|; -inf: min |x|; 0: the count of nonzeros; else (sum |x|^p)^(1/p).
    Zero vectors get a zero gradient."""
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = (dim,)
    p = float(p)
    if p == math.inf:
        return x.abs().amax(dim=dim, keepdim=keepdim) if dim is not None else x.abs().amax()
    if p == -math.inf:
        return x.abs().amin(dim=dim, keepdim=keepdim) if dim is not None else x.abs().amin()
    if p == 0:
        nz = (x != 0).to(x.dtype)
        return nz.sum(dim=dim, keepdim=keepdim) if dim is not None else nz.sum()
    if p == 1:
        a = x.abs()
        return a.sum(dim=dim, keepdim=keepdim) if dim is not None else a.sum()
    powered = x * x if p == 2 else x.abs() ** p
    s = powered.sum(dim=dim, keepdim=keepdim) if dim is not None else powered.sum()
    return _safe_root(s, p)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Any = None) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``. (*) -> (*)."""
    check_tensor(input, "input", "normalize")
    if out is not None:
        raise NotImplementedError("normalize(): out= is not supported; use the return value")
    if input.ndim == 0:
        dim_ok = dim in (0, -1)
    else:
        dim_ok = -input.ndim <= dim < input.ndim
    if not dim_ok:
        lo, hi = -max(input.ndim, 1), max(input.ndim, 1) - 1
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    denom = vector_norm(input, p, dim, keepdim=True).clamp(min=eps)
    return input / denom
