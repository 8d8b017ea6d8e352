"""Indexing: ``a[index]`` (basic and advanced), gather, and scatter-add.

The backward of selecting is scattering: the gradient of ``a[idx]`` is a zero tensor
shaped like ``a`` with delta added at ``idx`` (repeated indices accumulate), and the
backward of that scatter is the selection again, so higher derivatives work too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..inplace import ViewFunction
from ..tensor import Tensor
from .shape import _norm_dim


def _norm_index(index: Any) -> tuple[Any, bool]:
    """Index with Tensors turned into arrays, and whether it is basic (a view)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    basic = True
    for it in items:
        if isinstance(it, Tensor):
            it = it.data
        if isinstance(it, (list, np.ndarray)):
            # An empty list selects nothing: integer, not NumPy's default float64.
            it = np.asarray(it) if not (isinstance(it, list) and not it) else np.zeros(
                0, dtype=np.intp)
            if it.dtype.kind == "f":
                raise IndexError(
                    "tensors used as indices must be long, int, byte or bool tensors"
                )
            if it.dtype.kind in "iu" and it.dtype != np.intp:
                it = it.astype(np.intp)
            basic = False
        elif isinstance(it, bool):
            basic = False
        elif not (it is None or it is Ellipsis or isinstance(it, (int, np.integer, slice))):
            raise IndexError(f"unsupported index type {type(it).__name__}")
        out.append(it)
    return tuple(out), basic


def _is_int(it: Any) -> bool:
    return isinstance(it, (int, np.integer)) and not isinstance(it, bool)


def _split_ints(idx: tuple) -> tuple[tuple, tuple]:
    """(the integer indices with full slices elsewhere, the index without the ints)."""
    first: list = []
    rest: list = []
    for it in idx:
        if _is_int(it):
            first.append(it)
        elif it is Ellipsis:
            first.append(it)
            rest.append(it)
        elif it is None or isinstance(it, bool):
            rest.append(it)  # adds a dim, consumes none
        else:
            n = it.ndim if isinstance(it, np.ndarray) and it.dtype == bool else 1
            first.extend([slice(None)] * n)
            rest.append(it)
    return tuple(first), tuple(rest)


class GetItem(ViewFunction):
    __slots__ = ("index", "basic")

    @staticmethod
    def forward(ctx, a, index, basic):
        ctx.index, ctx.basic = index, basic
        out = a[index]
        if basic and out.__class__ is not np.ndarray and Ellipsis not in index:
            out = a[index + (Ellipsis,)]  # a 0-d view (as torch's x[0]), not a copied scalar
        return out

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.index, ctx.basic, ctx.inputs[0].data.shape), None, None

    def describe(self) -> str:
        return "getitem"


class IndexAdd(Function):
    """zeros(shape) with ``src`` added at ``index`` (the backward of indexing)."""

    __slots__ = ("index", "basic")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    def forward(ctx, src, index, basic, shape):
        ctx.index, ctx.basic = index, basic
        out = np.zeros(shape, dtype=src.dtype)
        if basic:
            out[index] = src  # a basic index never names an element twice
        else:
            np.add.at(out, index, src)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index, ctx.basic), None, None, None


def getitem(a: Tensor, index: Any) -> Tensor:
    """``a[index]`` with NumPy/PyTorch semantics (ints, slices, None, ..., int/bool arrays)."""
    idx, basic = _norm_index(index)
    try:
        if not basic and any(_is_int(it) for it in idx):
            # torch applies integer indices first, as basic selections, and only the
            # arrays as advanced ones; NumPy would broadcast the ints with the arrays,
            # which moves the result's dims (x[1, None, [0, 1]] is (1, 2) in torch, (2, 1)
            # in NumPy). So select with the ints first, then index with the rest.
            ints, rest = _split_ints(idx)
            return GetItem.apply(GetItem.apply(a, ints, True), rest, False)
        return GetItem.apply(a, idx, basic)
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {list(a.data.shape)})") from None


def _grid_index(index: np.ndarray, dim: int) -> tuple:
    """Full index tuple: ``index`` along ``dim``, the position itself along the rest."""
    grids = list(np.ogrid[tuple(slice(0, s) for s in index.shape)])
    grids[dim] = index
    return tuple(grids)


def _check_gather(name: str, shape: tuple, dim: int, index: np.ndarray) -> None:
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim != len(shape):
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as input tensor "
            f"({index.ndim} vs {len(shape)})"
        )
    for d, (si, sa) in enumerate(zip(index.shape, shape)):
        if d != dim and si > sa:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} "
                f"to be smaller than self {list(shape)} apart from dimension {dim}"
            )
    # Negative indices are out of bounds here, as in PyTorch (NumPy would wrap them).
    if index.size and (index.min() < 0 or index.max() >= shape[dim]):
        bad = index.max() if index.max() >= shape[dim] else index.min()
        raise RuntimeError(
            f"{name}(): index {bad} is out of bounds for dimension {dim} with size "
            f"{shape[dim]}"
        )


class Gather(Function):
    __slots__ = ("dim", "index")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    def forward(ctx, a, dim, index, known=None):
        ctx.dim, ctx.index = dim, index
        if known is not None:
            # The caller already has a[index] (max(dim) finds it while searching).
            return known
        region = tuple(
            slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
        return np.take_along_axis(a[region], index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.inputs[0].data.shape
        return (ScatterAddInto.apply(grad, ctx.dim, ctx.index, shape),) + (None,) * (
            len(ctx.inputs) - 1)

    def describe(self) -> str:
        return f"gather(dim={self.dim})"


class ScatterAddInto(Function):
    """zeros(shape) with src[i] added at index[i] along ``dim`` (gather's backward)."""

    __slots__ = ("dim", "index")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    def forward(ctx, src, dim, index, shape):
        ctx.dim, ctx.index = dim, index
        k = shape[dim]
        short = index.shape[dim] == 1 and k <= 16
        finite = short and bool(np.isfinite(src).all())
        covers = index.shape[:dim] + index.shape[dim + 1:] == shape[:dim] + shape[dim + 1:]
        # The short-axis loop below writes every element it covers; zeros only matter
        # for what it leaves out.
        out = (np.empty if finite and covers else np.zeros)(shape, dtype=src.dtype)
        if index.shape[dim] == 1:
            # One index per row along dim: no element is named twice, so a plain put is
            # exact (the common case: max along a dim with keepdim).
            region = tuple(
                slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
            view = out[region]
            if short:
                # Short axis (pooling windows): one masked copy per position along dim is
                # much faster than put_along_axis's fancy indexing.
                lead = (slice(None),) * dim
                for i in range(k):
                    if finite:
                        # Multiplying by the 0/1 mask is branch-free (a masked copy on a
                        # random mask is ~30x slower); exact while src is finite.
                        np.multiply(src, index == i, out=view[lead + (slice(i, i + 1),)])
                    else:
                        np.copyto(view[lead + (slice(i, i + 1),)], src, where=index == i)
            else:
                np.put_along_axis(view, index, src, axis=dim)
        else:
            np.add.at(out, _grid_index(index, dim), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Gather.apply(grad, ctx.dim, ctx.index), None, None, None


def gather(a: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j][k] = a[i][index[i][j][k]][k] for dim=1; out has index's shape."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    d = _norm_dim(dim, a.data.ndim)
    _check_gather("gather", a.data.shape, d, idx)
    return Gather.apply(a, d, idx.astype(np.intp, copy=False))


def scatter_add(a: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """a with src[i][j] added at row index[i][j] along ``dim`` (not in place)."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    d = _norm_dim(dim, a.data.ndim)
    _check_gather("scatter_add", a.data.shape, d, idx)
    region = tuple(slice(0, s) for s in idx.shape)
    src_part = src[region] if src.data.shape != idx.shape else src
    return a + ScatterAddInto.apply(src_part, d, idx.astype(np.intp, copy=False), a.data.shape)
