"""Indexing: ``a[index]`` (basic and advanced), gather, and scatter-add.

The backward of selecting is scattering: the gradient of ``a[idx]`` is a zero tensor
shaped like ``a`` with delta added at ``idx`` (repeated indices accumulate), and the
backward of that scatter is the selection again, so higher derivatives work too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from .. import notation as nt
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
            it = it._data
        elif isinstance(it, range):
            # x[range(n), y]: PyTorch reads a range as the list of its integers.
            it = list(it)
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


def _index_text(index: tuple) -> str:
    """An index as it is written in brackets: ``1, :, None`` or ``[0 2 0], 1:3``."""
    parts = []
    for it in index:
        if it is Ellipsis:
            parts.append("...")
        elif isinstance(it, slice):
            text = ":".join("" if v is None else str(v) for v in (it.start, it.stop))
            parts.append(text if it.step is None else f"{text}:{it.step}")
        elif isinstance(it, np.ndarray):
            parts.append(np.array2string(it, threshold=6, separator=","))
        else:
            parts.append(str(it))
    return ", ".join(parts)


class GetItem(ViewFunction):
    """a[index]: the delta is added back at the selected positions of zeros like a."""

    __slots__ = ("index", "basic")

    @staticmethod
    @override
    def forward(ctx, a, index, basic):
        ctx.index, ctx.basic = index, basic
        out = a[index]
        if basic and out.__class__ is not np.ndarray and Ellipsis not in index:
            out = a[index + (Ellipsis,)]  # a 0-d view (as torch's x[0]), not a copied scalar
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.index, ctx.basic, ctx.inputs[0]._data.shape), None, None

    @override
    def label(self) -> str:
        return "getitem"

    @override
    def formula(self, operands):
        return nt.indexed(operands[0], _index_text(self.index))

    @override
    def trace_rule(self, k, operands, out, numbers):
        shape = tuple(self.inputs[0]._data.shape)
        index = _index_text(self.index)
        return ("custom", lambda u: nt.call("index_add", f"zeros{shape}", f"[{index}]", u))


class IndexAdd(Function):
    """zeros(shape) with ``src`` added at ``index`` (the backward of indexing)."""

    __slots__ = ("index", "basic")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, src, index, basic, shape):
        ctx.index, ctx.basic = index, basic
        out = np.zeros(shape, dtype=src.dtype)
        if basic:
            out[index] = src  # a basic index never names an element twice
        else:
            np.add.at(out, index, src)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index, ctx.basic), None, None, None

    @override
    def label(self) -> str:
        return "index_add"

    @override
    def formula(self, operands):
        return nt.call("index_add", f"zeros{tuple(self.inputs[3])}",
                       f"[{_index_text(self.index)}]", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        index = _index_text(self.index)
        return ("custom", lambda u: nt.indexed(u, index))


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
        raise IndexError(f"{e} (indexing a tensor of shape {list(a._data.shape)})") from None


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


def _check_scatter_src(a: Tensor, dim: int, index: np.ndarray, src: Any) -> None:
    """src must be a Tensor of a's dtype with index's rank, at least index's size in
    every dimension (PyTorch reads src only where index has entries)."""
    if not isinstance(src, Tensor):
        raise TypeError(
            f"scatter_add(): argument 'src' (position 3) must be Tensor, not "
            f"{type(src).__name__}")
    if src._data.dtype != a._data.dtype:
        raise RuntimeError(
            f"scatter(): Expected self.dtype to be equal to src.dtype (self is "
            f"{a._data.dtype}, src is {src._data.dtype})")
    if src._data.ndim != index.ndim:
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as src tensor "
            f"({index.ndim} vs {src._data.ndim})")
    if any(si > ss for si, ss in zip(index.shape, src._data.shape)):
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be no larger than self "
            f"{list(a._data.shape)} apart from dimension {dim} and to be no larger size "
            f"than src {list(src._data.shape)}")


class Gather(Function):
    """a's elements at ``index`` along dim; the delta is scatter-added back."""

    __slots__ = ("dim", "index")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, a, dim, index, known=None):
        ctx.dim, ctx.index = dim, index
        if known is not None:
            # The caller already has a[index] (max(dim) finds it while searching).
            return known
        region = tuple(
            slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
        return np.take_along_axis(a[region], index, axis=dim)

    @staticmethod
    @override
    def backward(ctx, grad):
        shape = ctx.inputs[0]._data.shape
        return (ScatterAddInto.apply(grad, ctx.dim, ctx.index, shape),) + (None,) * (
            len(ctx.inputs) - 1)

    @override
    def label(self) -> str:
        return f"gather(dim={self.dim})"

    @override
    def formula(self, operands):
        return nt.call("gather", operands[0], f"dim={self.dim}")

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("scatter_add", u, f"dim={self.dim}"))


class ScatterAddInto(Function):
    """zeros(shape) with src[i] added at index[i] along ``dim`` (gather's backward)."""

    __slots__ = ("dim", "index")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
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
    @override
    def backward(ctx, grad):
        return Gather.apply(grad, ctx.dim, ctx.index), None, None, None

    @override
    def label(self) -> str:
        return f"scatter_add(dim={self.dim})"

    @override
    def formula(self, operands):
        return nt.call("scatter_add", operands[0], f"dim={self.dim}")

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("gather", u, f"dim={self.dim}"))


def gather(a: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j][k] = a[i][index[i][j][k]][k] for dim=1; out has index's shape."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = _norm_dim(dim, a._data.ndim)
    _check_gather("gather", a._data.shape, d, idx)
    return Gather.apply(a, d, idx.astype(np.intp, copy=False))


def scatter_add(a: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """a with src[i][j] added at row index[i][j] along ``dim`` (not in place)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    d = _norm_dim(dim, a._data.ndim)
    _check_gather("scatter_add", a._data.shape, d, idx)
    _check_scatter_src(a, d, idx, src)
    region = tuple(slice(0, s) for s in idx.shape)
    src_part = src[region] if src._data.shape != idx.shape else src
    return a + ScatterAddInto.apply(src_part, d, idx.astype(np.intp, copy=False), a._data.shape)
