"""Adaptive pooling: adaptive_avg_pool1d/2d and adaptive_max_pool1d/2d.

Output cell i of an axis of length n pooled to o cells covers the input range
[floor(i n / o), ceil((i + 1) n / o)), so cells may differ in size and overlap by one.

Average pooling is separable: a mean over a rectangle is the mean over its rows of the
means over its columns, so it is A_h @ x @ A_w^T with constant averaging matrices (two
matmuls; their backward is the transposed matrices). Max pooling gathers every cell's
pixels into one window axis (short cells repeat their last pixel, which changes no
maximum) and takes the max over it; the gradient goes to the first maximal pixel, as
PyTorch's.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autograd_core import Tensor

from ._utils import check_tensor


def cell_bounds(n: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) input index of each of ``o`` cells over n."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def averaging_matrix(n: int, o: int, dtype: np.dtype) -> np.ndarray:
    """(o, n): row i averages cell i of an axis of length n pooled to o cells."""
    start, end = cell_bounds(n, o)
    m = np.zeros((o, n), dtype=np.float64)
    for i in range(o):
        m[i, start[i]:end[i]] = 1.0 / (end[i] - start[i])
    return m.astype(dtype)


def apply_along(x: Tensor, axis: int, matrix: np.ndarray) -> Tensor:
    """Contract ``axis`` of x (length n) with the constant ``matrix`` (o, n): the axis
    becomes length o. One matmul on x viewed as (lead, n, trail)."""
    shape = x.shape
    axis %= x.ndim
    lead = int(np.prod(shape[:axis], dtype=np.int64))
    trail = int(np.prod(shape[axis + 1:], dtype=np.int64))
    m = Tensor._wrap(matrix)
    if trail == 1:
        out = x.reshape(lead, shape[axis]) @ m.t()
    else:
        out = m @ x.reshape(lead, shape[axis], trail)
    return out.reshape(shape[:axis] + (matrix.shape[0],) + shape[axis + 1:])


def _sizes(op: str, output_size: Any, spatial: tuple[int, ...]) -> tuple[int, ...]:
    """output_size as one int per spatial dim; None keeps the input's size there."""
    nd = len(spatial)
    if isinstance(output_size, numbers.Integral) or output_size is None:
        sizes = [output_size] * nd
    else:
        sizes = list(output_size)
        if len(sizes) != nd:
            raise RuntimeError(f"{op}: output_size must be {nd}")
    out = tuple(int(spatial[a]) if s is None else int(s) for a, s in enumerate(sizes))
    if min(out) < 0:
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but "
            f"received {{{', '.join(map(str, out))}}}")
    return out


def _check_input(op: str, x: Tensor, nd: int) -> None:
    check_tensor(x, "input", op)
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(x.shape)}")
    for d in range(1 if x.ndim == nd + 2 else 0, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(x.shape)} with dimension {d} being empty")


def adaptive_avg_pool_nd(op: str, input: Tensor, output_size: Any, nd: int) -> Tensor:
    """Adaptive average pooling over the last ``nd`` dims (shared by 1-d, 2-d, area)."""
    _check_input(op, input, nd)
    spatial = input.shape[-nd:]
    sizes = _sizes(op, output_size, spatial)
    if all(s == 1 for s in sizes):
        return input.mean(dim=tuple(range(-nd, 0)), keepdim=True)
    out = input
    for a in range(nd):
        if sizes[a] != spatial[a]:
            axis = input.ndim - nd + a
            out = apply_along(out, axis, averaging_matrix(spatial[a], sizes[a], input.dtype))
    return out if out is not input else input * 1.0


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over adaptive cells: (N, C, H, W) or (C, H, W) -> (N, C, oh, ow);
    output_size: int or pair (None keeps that input size)."""
    return adaptive_avg_pool_nd("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average over adaptive cells: (N, C, L) or (C, L) -> (N, C, o)."""
    if not isinstance(output_size, numbers.Integral):
        vals = list(output_size)
        if len(vals) != 1:
            raise RuntimeError("adaptive_avg_pool1d: output_size must be 1")
    return adaptive_avg_pool_nd("adaptive_avg_pool1d", input, output_size, 1)


def _cell_index(n: int, o: int) -> np.ndarray:
    """(o, k): the input indices of each cell, short cells padded with their last index."""
    start, end = cell_bounds(n, o)
    k = int((end - start).max()) if o else 1
    idx = start[:, None] + np.arange(k)[None, :]
    return np.minimum(idx, (end - 1)[:, None])


def adaptive_max_pool2d(input: Tensor, output_size: Any,
                        return_indices: bool = False) -> Any:
    """Max over adaptive cells: (N, C, H, W) or (C, H, W) -> (N, C, oh, ow); with
    ``return_indices``, also the int64 flat index (h * W + w) of each maximum."""
    op = "adaptive_max_pool2d"
    _check_input(op, input, 2)
    h, w = input.shape[-2:]
    oh, ow = _sizes(op, output_size, (h, w))
    ih, iw = _cell_index(h, oh), _cell_index(w, ow)
    kh, kw = ih.shape[1], iw.shape[1]
    lead = (slice(None),) * (input.ndim - 2)
    # (*, oh, kh, ow, kw): every cell's pixels, then the window axes last.
    win = input[lead + (ih[:, :, None, None], iw[None, None, :, :])]
    nl = input.ndim - 2
    perm = tuple(range(nl)) + (nl, nl + 2, nl + 1, nl + 3)
    win = win.permute(perm).reshape(input.shape[:-2] + (oh, ow, kh * kw))
    if kh * kw == 0 or oh * ow == 0:
        out = win.sum(dim=-1)
        return (out, Tensor._wrap(np.zeros(out.shape, np.int64))) if return_indices else out
    values, arg = win.max(dim=-1)
    if not return_indices:
        return values
    a = arg._data
    # Window position -> (cell row, cell column) -> input pixel, broadcast over (*, oh, ow).
    rows = ih[np.arange(oh)[:, None], a // kw]
    cols = iw[np.arange(ow)[None, :], a % kw]
    return values, Tensor._wrap((rows * w + cols).astype(np.int64))


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over adaptive cells: (N, C, L) or (C, L) -> (N, C, o) (and int64 indices)."""
    op = "adaptive_max_pool1d"
    _check_input(op, input, 1)
    if not isinstance(output_size, numbers.Integral):
        vals = list(output_size)
        if len(vals) != 1:
            raise RuntimeError(f"{op}: output_size must be 1")
        output_size = vals[0]
    res = adaptive_max_pool2d(input.unsqueeze(-2), (1, output_size), return_indices)
    if return_indices:
        return res[0].squeeze(-2), Tensor._wrap(res[1]._data.squeeze(-2))
    return res.squeeze(-2)
