"""``interpolate`` (and the ``upsample*`` aliases): resize the spatial dims of (N, C, *).

Modes: nearest and nearest-exact (an index per output position along each axis, one
gather), linear / bilinear / trilinear and bicubic (separable: one constant (out, in)
weight matrix per axis, applied by a matmul), area (adaptive average pooling). Source
positions and weights follow PyTorch's formulas, computed in the input's precision as
PyTorch computes them:

* scale along an axis: with align_corners, (in - 1) / (out - 1) (0 when out == 1);
  otherwise 1 / scale_factor when a scale factor is given (and not recomputed), else
  in / out;
* linear source: scale * dst with align_corners, else scale * (dst + 0.5) - 0.5 clamped
  at 0 (bicubic does not clamp); nearest: floor(dst * scale), nearest-exact:
  floor((dst + 0.5) * scale), both capped at in - 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_core import Tensor

from ._utils import check_tensor
from .pooling_more import adaptive_avg_pool_nd, apply_along

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_LINEAR_DIMS = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_CUBIC_A = -0.75


def _output_sizes(x: Tensor, size: Any, scale_factor: Any) -> tuple[list[int], list | None]:
    nd = x.ndim - 2
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format.")
            return [int(s) for s in size], None
        return [int(size)] * nd, None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != nd:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                "format and scale_factor in (s1, s2, ...,sK) format.")
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * nd
    return [int(math.floor(spatial[a] * scales[a])) for a in range(nd)], scales


def _scale(n_in: int, n_out: int, scale: float | None, align_corners: bool,
           dt: np.dtype) -> Any:
    """Source step per output step, in the precision PyTorch uses (the input's)."""
    if align_corners:
        return dt.type((n_in - 1) / (n_out - 1)) if n_out > 1 else dt.type(0)
    if scale is not None and scale > 0:
        return dt.type(1.0 / scale)
    return dt.type(n_in) / dt.type(n_out)


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    # PyTorch computes nearest indices in single precision whatever the dtype.
    f = np.float32
    s = f(1.0 / scale) if scale is not None and scale > 0 else f(n_in) / f(n_out)
    dst = np.arange(n_out, dtype=f)
    src = np.floor(((dst + f(0.5)) if exact else dst) * s).astype(np.int64)
    return np.minimum(src, n_in - 1)


def _linear_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                   dt: np.dtype) -> np.ndarray:
    s = _scale(n_in, n_out, scale, align_corners, dt)
    dst = np.arange(n_out).astype(dt)
    src = s * dst if align_corners else s * (dst + dt.type(0.5)) - dt.type(0.5)
    src = np.maximum(src, dt.type(0))
    i0 = src.astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam1 = np.clip(src - i0.astype(dt), 0, 1).astype(dt)
    lam0 = (dt.type(1) - lam1).astype(dt)
    m = np.zeros((n_out, n_in), dtype=dt)
    rows = np.arange(n_out)
    np.add.at(m, (rows, i0), lam0)
    np.add.at(m, (rows, i1), lam1)
    return m


def _cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    """Keys' cubic convolution weights (A = -0.75) of the 4 taps at offsets -1, 0, 1, 2."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                  dt: np.dtype) -> np.ndarray:
    s = _scale(n_in, n_out, scale, align_corners, dt)
    dst = np.arange(n_out).astype(dt)
    src = s * dst if align_corners else s * (dst + dt.type(0.5)) - dt.type(0.5)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(dt)).astype(dt)
    m = np.zeros((n_out, n_in), dtype=dt)
    rows = np.arange(n_out)
    # Taps beyond the border read the edge pixel (their weights add onto it).
    for k, wk in enumerate(_cubic_weights(t)):
        np.add.at(m, (rows, np.clip(i0 - 1 + k, 0, n_in - 1)), wk.astype(dt))
    return m


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize (N, C, d1, ..., dK) (K = 1, 2, 3) to ``size`` or by ``scale_factor``, as
    ``torch.nn.functional.interpolate``. Output (N, C, o1, ..., oK) with
    o = floor(d * scale_factor) when a scale factor is given.

    mode: nearest | nearest-exact | linear (3-D) | bilinear (4-D) | bicubic (4-D) |
    trilinear (5-D) | area. align_corners only for the interpolating modes.
    recompute_scale_factor=True uses in/out instead of the given factor for positions.
    antialias=True is not supported.
    """
    check_tensor(input, "input", "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if input.ndim not in (3, 4, 5) or mode not in _MODES:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
            "for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | "
            f"area | nearest-exact (got {mode})")
    if mode in _LINEAR_DIMS and input.ndim != _LINEAR_DIMS[mode]:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_DIMS[mode]}D input")
    if antialias:
        raise NotImplementedError(
            "interpolate(antialias=True) is not supported by this library")
    sizes, scales = _output_sizes(input, size, scale_factor)
    if recompute_scale_factor:
        scales = None
    if mode == "area":
        return adaptive_avg_pool_nd(f"adaptive_avg_pool{input.ndim - 2}d", input, sizes,
                                    input.ndim - 2)
    nd = input.ndim - 2
    spatial = input.shape[2:]
    if min(sizes) <= 0 or min(spatial) <= 0:
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"({', '.join(map(str, spatial))}) and output ({', '.join(map(str, sizes))})")
    per_axis = [None if scales is None else scales[a] for a in range(nd)]
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        idx = [_nearest_index(spatial[a], sizes[a], per_axis[a], exact) for a in range(nd)]
        # One gather: the index arrays broadcast to the output grid (np.ix_ layout).
        grid = np.ix_(*idx)
        return input[(slice(None), slice(None)) + tuple(grid)]
    dt = np.dtype(input.dtype)
    make = _cubic_matrix if mode == "bicubic" else _linear_matrix
    out = input
    for a in range(nd):
        mat = make(spatial[a], sizes[a], per_axis[a], bool(align_corners), dt)
        out = apply_along(out, 2 + a, mat)
    return out


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of ``interpolate`` (as in PyTorch)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode="nearest")``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode="bilinear", align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
