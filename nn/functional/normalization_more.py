"""layer_norm, group_norm, rms_norm and normalize, composed from differentiable primitives
(mean, sqrt, where, ...), plus the vector norm they share with the distance functions.

layer_norm normalises over the trailing ``normalized_shape`` dimensions of each sample;
group_norm over each group of channels (and all spatial positions) of each sample;
rms_norm divides by the root mean square over the trailing dimensions without centring;
normalize divides vectors along one dimension by their p-norm.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

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


def _check_affine(op: str, name: str, t: Tensor | None, shape: tuple[int, ...]) -> None:
    if t is None:
        return
    check_tensor(t, name, op)
    if tuple(t.shape) != shape:
        raise RuntimeError(
            f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
            f"shape {list(t.shape)} and normalized_shape = {list(shape)}")


def _standardise(x: Tensor, dims: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) / sqrt(var + eps) over ``dims`` (biased variance), shape kept."""
    mean = x.mean(dim=dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=dims, keepdim=True)
    return centered / (var + eps).sqrt()


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
    out = _standardise(input, dims, eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


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
