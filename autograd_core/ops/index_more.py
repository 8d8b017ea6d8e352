"""Selecting, placing and rearranging elements, in PyTorch's names.

Ops with a node of their own: ``tril``/``triu`` (``Tri``), ``flip``, ``roll``,
``diagonal`` (a view) and its adjoint ``DiagonalScatter`` (also ``diag`` of a vector),
and ``scatter`` (``Scatter``). The rest are exact compositions of existing ops, so their
gradients need no new formula: ``split``/``chunk``/``unbind``/``narrow`` are basic slices
(views, as in PyTorch), ``index_select``/``masked_select``/``repeat_interleave`` with a
tensor are advanced indexing (backward: index_add), ``index_add`` adds an index-add of
the source, ``repeat``/``repeat_interleave``/``broadcast_to``/``meshgrid`` are
reshapes of an ``expand`` (backward: sums), ``trace`` is the sum of the diagonal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import grad_mode
from .. import notation as nt
from ..function import Function
from ..inplace import ViewFunction
from ..tensor import Tensor, _tensor_input
from .shape import Expand, Reshape, _norm_dim, _shape_arg, _shape_text

_STATE = grad_mode.STATE


# ----- argument checks ------------------------------------------------------------------


def _int_arg(name: str, arg: str, value: Any, pos: int) -> int:
    """``value`` as an int, or PyTorch's TypeError naming the argument (without its
    position ``pos``, which PyTorch counts differently for ``torch.f(x, ...)`` and
    ``x.f(...)``)."""
    if isinstance(value, Tensor) and value._data.ndim == 0 and value._data.dtype.kind in "iu":
        return int(value._data)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name}(): argument '{arg}' must be int, not {type(value).__name__}")
    return int(value)


def _int_tuple(name: str, arg: str, value: Any, pos: int) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple (PyTorch's ``int[]`` arguments)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"{name}(): argument '{arg}' must be tuple of ints, not "
                f"{type(value).__name__}")
    return tuple(int(v) for v in items)


def _index_vector(name: str, index: Any, what: str = "Index") -> np.ndarray:
    """A 0-d or 1-d int32/int64 index as an intp vector (PyTorch's index_select rules)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4:
        kind = {"f": "Float", "b": "Bool"}.get(idx.dtype.kind, str(idx.dtype))
        if idx.dtype == np.float64:
            kind = "Double"
        if name == "index_select":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: {kind}")
    if idx.ndim > 1:
        if name == "index_select":
            raise IndexError("index_select(): Index is supposed to be a vector")
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, but got dim: {idx.ndim} with "
            f"type: Long and size: {list(idx.shape)}")
    return idx.reshape(-1).astype(np.intp, copy=False)


def _along(d: int, item: Any) -> tuple:
    """An index tuple selecting ``item`` along dimension ``d`` (everything elsewhere)."""
    return (slice(None),) * d + (item,)


# ----- slicing into pieces: views, as in PyTorch ------------------------------------------


def _slice(a: Tensor, d: int, start: int, stop: int) -> Tensor:
    from .index import GetItem

    return GetItem.apply(a, _along(d, slice(start, stop)), True)


def split(a: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``a`` along ``dim``: of ``split_size`` each (the last may be smaller), or
    of the listed sizes, which must add up to ``a.shape[dim]``. Views of ``a``."""
    _tensor_input("split", a)
    if a._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _norm_dim(dim, a._data.ndim)
    n = a._data.shape[d]
    sizes = split_size_or_sections
    if isinstance(sizes, Tensor):
        raise TypeError(
            "split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, "
            "not Tensor")
    if isinstance(sizes, (list, tuple)):
        sizes = _int_tuple("split_with_sizes", "split_sizes", sizes, 2)
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, but "
                f"got split_sizes={list(sizes)}")
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={list(sizes)}")
    else:
        size = _int_arg("split", "split_size", sizes, 2)
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size "
                f"of {n}")
        sizes = (0,) if n == 0 else tuple(min(size, n - s) for s in range(0, n, size))
    out = []
    start = 0
    for s in sizes:
        out.append(_slice(a, d, start, start + s))
        start += s
    return tuple(out)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``a`` split into ``chunks`` pieces of ceil(n / chunks) along ``dim`` (fewer pieces
    when that already covers it). Views of ``a``."""
    _tensor_input("chunk", a)
    chunks = _int_arg("chunk", "chunks", chunks, 2)
    if a._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _norm_dim(dim, a._data.ndim)
    n = a._data.shape[d]
    if n == 0:
        return split(a, [0] * chunks, d)
    return split(a, -(-n // chunks), d)


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``a`` along ``dim``, that dimension removed: a tuple of views."""
    _tensor_input("unbind", a)
    if a._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    from .index import GetItem

    d = _norm_dim(dim, a._data.ndim)
    return tuple(GetItem.apply(a, _along(d, i), True) for i in range(a._data.shape[d]))


def narrow(a: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """``a``'s elements start .. start+length-1 along ``dim`` (a view); start may be
    negative (counted from the end) or a 0-d integer tensor."""
    _tensor_input("narrow", a)
    if a._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _norm_dim(dim, a._data.ndim)
    start = _int_arg("narrow", "start", start, 3)
    length = _int_arg("narrow", "length", length, 4)
    n = a._data.shape[d]
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(a, d, start, start + length)


# ----- selecting by index or mask: advanced indexing (backward: index_add) -----------------


def _check_bounds(name: str, idx: np.ndarray, n: int, d: int) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        if name == "index_select":
            raise IndexError("index out of range in self")
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")


def index_select(a: Tensor, dim: int, index: Any) -> Tensor:
    """``a``'s slices at ``index`` (a vector of int64/int32) along ``dim``; repeated
    indices give repeated slices (and add up their gradients)."""
    _tensor_input("index_select", a)
    idx = _index_vector("index_select", index)
    if a._data.ndim == 0:
        _norm_dim(dim, 0)
        _check_bounds("index_select", idx, 1, 0)
        from .index import getitem

        return getitem(a, ()) if idx.size == 1 else getitem(a.reshape(1), idx)
    d = _norm_dim(dim, a._data.ndim)
    _check_bounds("index_select", idx, a._data.shape[d], d)
    from .index import GetItem

    return GetItem.apply(a, _along(d, idx), False)


def masked_select(a: Tensor, mask: Any) -> Tensor:
    """The elements of ``a`` where the bool ``mask`` is True, as a 1-D tensor; ``a`` and
    ``mask`` broadcast together first."""
    _tensor_input("masked_select", a)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from .reduce_more import broadcast_shape_or_raise

    shape = broadcast_shape_or_raise(m.shape, a._data.shape)  # torch names the mask "a"
    if a._data.shape != shape:
        a = Expand.apply(a, shape)
    if m.shape != shape:
        m = np.broadcast_to(m, shape)
    from .index import GetItem

    return GetItem.apply(a, (m,), False)


def index_add(a: Tensor, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``a`` with ``alpha * source[i]`` added to slice ``index[i]`` along ``dim``
    (repeated indices add up); not in place. source: ``a``'s shape with
    ``len(index)`` along ``dim``."""
    from .index import IndexAdd

    _tensor_input("index_add", a)
    idx = _index_vector("index_add_", index)
    if not isinstance(source, Tensor):
        raise TypeError(
            f"index_add(): argument 'source' (position 3) must be Tensor, not "
            f"{type(source).__name__}")
    nd = max(a._data.ndim, 1)
    d = _norm_dim(dim, nd)
    if source._data.dtype != a._data.dtype:
        from ..inplace import _torch_dtype_name as tn

        raise RuntimeError(
            f"index_add_(): self ({tn(a._data.dtype)}) and source ({tn(source._data.dtype)}) "
            "must have the same scalar type")
    shape = a._data.shape or (1,)
    src_shape = source._data.shape or (1,)
    if len(src_shape) != len(shape) or any(
            s != t for i, (s, t) in enumerate(zip(src_shape, shape)) if i != d):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(a._data.shape)} source.shape = "
            f"{list(source._data.shape)}")
    if src_shape[d] != idx.size:
        raise RuntimeError(
            f"index_add_(): Number of indices ({idx.size}) should be equal to "
            f"source.size(dim): ({src_shape[d]}), for dim: {d}")
    _check_bounds("index_add", idx, shape[d], d)
    src = source if source._data.shape == src_shape else Reshape.apply(source, src_shape)
    if alpha != 1:
        src = src * alpha
    added = IndexAdd.apply(src, _along(d, idx), False, shape)
    if added._data.shape != a._data.shape:
        added = Reshape.apply(added, a._data.shape)
    return a + added


# ----- tril / triu ----------------------------------------------------------------------


class Tri(Function):
    """The lower (``tril``) or upper (``triu``) triangle of the last two dimensions, the
    rest zero; the delta passes through the same triangle."""

    __slots__ = ("k", "upper")
    _reads_inputs = False  # backward needs only the (constant) triangle

    @staticmethod
    def forward(ctx, a, k, upper):
        ctx.k, ctx.upper = k, upper
        return np.triu(a, k) if upper else np.tril(a, k)

    @staticmethod
    def backward(ctx, grad):
        return Tri.apply(grad, ctx.k, ctx.upper), None, None

    def label(self) -> str:
        return f"{'triu' if self.upper else 'tril'}(diagonal={self.k})"

    def formula(self, operands):
        return nt.call("triu" if self.upper else "tril", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        cond = f"j-i>={self.k}" if self.upper else f"j-i<={self.k}"
        return ("local", nt.iverson(cond))


def _tri(name: str, a: Tensor, diagonal: Any, upper: bool) -> Tensor:
    _tensor_input(name, a)
    k = _int_arg(name, "diagonal", diagonal, 2)
    if a._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return Tri.apply(a, k, upper)


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """Elements on and below the ``diagonal``-th diagonal of the last two dims, zeros
    above. (*, m, n) -> (*, m, n)."""
    return _tri("tril", a, diagonal, False)


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """Elements on and above the ``diagonal``-th diagonal of the last two dims, zeros
    below. (*, m, n) -> (*, m, n)."""
    return _tri("triu", a, diagonal, True)


# ----- flip / roll ----------------------------------------------------------------------


class Flip(Function):
    """The order of elements reversed along ``dims`` (a copy, as in PyTorch); the delta
    is flipped back."""

    __slots__ = ("dims",)
    _reads_inputs = False

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        # A copy: NumPy's flip is a view, which would let a write to the result change a.
        return np.flip(a, dims).copy() if dims else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None

    def label(self) -> str:
        return f"flip(dims={_shape_text(self.dims)})"

    def formula(self, operands):
        return nt.call("flip", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("flip", u, f"dims={_shape_text(self.dims)}"))


def flip(a: Tensor, *dims: Any) -> Tensor:
    """``a`` with the order of elements reversed along each of ``dims``."""
    _tensor_input("flip", a)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    dims = _int_tuple("flip", "dims", dims, 2)
    nd = a._data.ndim
    if nd == 0:
        for d in dims:
            _norm_dim(d, 0)
        return Flip.apply(a, ())
    norm = tuple(_norm_dim(d, nd) for d in dims)
    for i, d in enumerate(norm):
        if d in norm[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return Flip.apply(a, norm)


class Roll(Function):
    """Elements shifted cyclically by ``shifts`` along ``dims`` (over the flattened tensor
    when ``dims`` is None); the delta is rolled back by -shifts."""

    __slots__ = ("shifts", "dims")
    _reads_inputs = False

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return np.roll(a, shifts[0])
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts)
        return Roll.apply(grad, back, ctx.dims), None, None

    def label(self) -> str:
        if self.dims is None:
            return f"roll(shifts={self.shifts[0]})"
        return f"roll(shifts={_shape_text(self.shifts)}, dims={_shape_text(self.dims)})"

    def formula(self, operands):
        return nt.call("roll", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        back = _shape_text(tuple(-s for s in self.shifts))
        return ("custom", lambda u: nt.call("roll", u, f"shifts={back}"))


def roll(a: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``a`` shifted cyclically: ``shifts[i]`` places along ``dims[i]``, or over the
    flattened tensor (shape kept) when ``dims`` is None."""
    _tensor_input("roll", a)
    sh = _int_tuple("roll", "shifts", shifts, 2)
    if dims is None or (isinstance(dims, (tuple, list)) and not dims):
        if len(sh) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:0")
        return Roll.apply(a, sh, None)
    ds = _int_tuple("roll", "dims", dims, 3)
    if len(sh) != len(ds):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
    nd = a._data.ndim
    if nd == 0:
        for d in ds:
            _norm_dim(d, 0)
        return Roll.apply(a, sh, None)
    return Roll.apply(a, sh, tuple(_norm_dim(d, nd) for d in ds))


# ----- diagonals --------------------------------------------------------------------------


def _diagonal_view(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    out = np.diagonal(a, offset, d1, d2)
    if a.flags.writeable:
        # NumPy hands out diagonals read-only; PyTorch's diagonal is a writable view
        # (x.diagonal().fill_(0) changes x), and writes through it are tracked as views.
        out.flags.writeable = True
    return out


class Diagonal(ViewFunction):
    """The ``offset``-th diagonal of dims ``dim1``, ``dim2`` as the last dimension (a view,
    as in PyTorch); the delta is placed back on that diagonal of zeros."""

    __slots__ = ("offset", "dim1", "dim2")

    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        ctx.offset, ctx.dim1, ctx.dim2 = offset, dim1, dim2
        return _diagonal_view(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.inputs[0]._data.shape
        return (DiagonalScatter.apply(grad, ctx.offset, ctx.dim1, ctx.dim2, shape),
                None, None, None)

    def label(self) -> str:
        return f"diagonal(offset={self.offset}, dim1={self.dim1}, dim2={self.dim2})"

    def formula(self, operands):
        return nt.call("diagonal", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        shape = tuple(self.inputs[0]._data.shape)
        return ("custom", lambda u: nt.call(
            "diagonal_scatter", f"zeros{shape}", u, f"offset={self.offset}"))


class DiagonalScatter(Function):
    """zeros(shape) with ``src`` on the ``offset``-th diagonal of dims ``dim1``, ``dim2``
    (diagonal's backward, and ``diag`` of a vector); the delta's diagonal comes back."""

    __slots__ = ("offset", "dim1", "dim2")
    _reads_inputs = False

    @staticmethod
    def forward(ctx, src, offset, dim1, dim2, shape):
        ctx.offset, ctx.dim1, ctx.dim2 = offset, dim1, dim2
        out = np.zeros(shape, dtype=src.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, ctx.offset, ctx.dim1, ctx.dim2), None, None, None, None

    def label(self) -> str:
        return f"diagonal_scatter(offset={self.offset})"

    def formula(self, operands):
        shape = tuple(self.inputs[4])
        return nt.call("diagonal_scatter", f"zeros{shape}", operands[0])

    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("diagonal", u, f"offset={self.offset}"))


def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the (dim1, dim2) planes, appended as the last
    dimension (offset > 0: above the main diagonal). A view of ``a``."""
    _tensor_input("diagonal", a)
    offset = _int_arg("diagonal", "offset", offset, 2)
    nd = a._data.ndim
    if nd < 2:
        _norm_dim(dim1, nd)
        _norm_dim(dim2, nd)
        raise RuntimeError(f"diagonal(): expected a tensor with at least 2 dimensions, got {nd}")
    d1, d2 = _norm_dim(dim1, nd), _norm_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(a, offset, d1, d2)


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's square matrix with it on the ``diagonal``-th diagonal, or a matrix's
    ``diagonal``-th diagonal as a vector. (n,) -> (n+|k|, n+|k|); (m, n) -> (l,)."""
    _tensor_input("diag", a)
    k = _int_arg("diag", "diagonal", diagonal, 2)
    nd = a._data.ndim
    if nd == 1:
        n = a._data.shape[0] + abs(k)
        return DiagonalScatter.apply(a, k, 0, 1, (n, n))
    if nd == 2:
        return Diagonal.apply(a, k, 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(a: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (int64 for integer matrices). (m, n) -> ()."""
    _tensor_input("trace", a)
    if a._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a._data.ndim}")
    if a._data.dtype == np.bool_:
        raise NotImplementedError('"trace" not implemented for \'Bool\'')
    from .reduce import sum as _sum

    return _sum(Diagonal.apply(a, 0, 0, 1))


# ----- scatter ------------------------------------------------------------------------


def _check_scatter(name: str, a: Tensor, d: int, index: np.ndarray, src: Any) -> None:
    """PyTorch's checks of scatter's index (and src, when it is a tensor)."""
    if index.dtype.kind not in "iu" or index.dtype.itemsize < 4:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    nd = max(a._data.ndim, 1)
    if max(index.ndim, 1) != nd:
        raise RuntimeError(
            "Index tensor must have the same number of dimensions as self tensor")
    ashape = a._data.shape or (1,)
    ishape = index.shape or (1,)
    if isinstance(src, Tensor):
        if src._data.dtype != a._data.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
        sshape = src._data.shape or (1,)
        if len(sshape) != nd:
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as src tensor")
        if any(i > s for i, s in zip(ishape, sshape)) or any(
                i > s for k, (i, s) in enumerate(zip(ishape, ashape)) if k != d):
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self "
                f"{list(a._data.shape)} apart from dimension {d} and to be no larger size "
                f"than src {list(src._data.shape)}")
    elif any(i > s for k, (i, s) in enumerate(zip(ishape, ashape)) if k != d):
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be no larger than self "
            f"{list(a._data.shape)} apart from dimension {d}")
    if index.size and (index.min() < 0 or index.max() >= ashape[d]):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(
            f"index {bad} is out of bounds for dimension {d} with size {ashape[d]}")


def _grid(index: np.ndarray, dim: int) -> tuple:
    """Full index tuple: ``index`` along ``dim``, each element's own position elsewhere."""
    grids = list(np.ogrid[tuple(slice(0, s) for s in index.shape)])
    grids[dim] = index
    return tuple(grids)


class Scatter(Function):
    """``a`` with ``src[i]`` (or one number) written at ``index[i]`` along ``dim``: the
    overwritten elements of ``a`` get no gradient, each ``src`` element the delta where
    it was written (``gather``)."""

    __slots__ = ("dim", "index")
    _reads_inputs = False  # backward needs only the index

    @staticmethod
    def forward(ctx, a, src, dim, index):
        ctx.dim, ctx.index = dim, index
        out = a.copy()
        if index.size:
            pos = _grid(index, dim)
            # A repeated index is written in order, so the last one stays (PyTorch's CPU
            # result; it documents the choice among repeats as unspecified).
            out[pos] = src[tuple(slice(0, s) for s in index.shape)] if isinstance(
                src, np.ndarray) and src.ndim else src
        return out

    @staticmethod
    def backward(ctx, grad):
        from .index import Gather

        a, src = ctx.inputs[0], ctx.inputs[1]
        ga = gs = None
        if isinstance(a, Tensor) and a.requires_grad:
            zero = np.zeros((), dtype=grad._data.dtype)
            ga = Scatter.apply(grad, zero, ctx.dim, ctx.index)
        if isinstance(src, Tensor) and src.requires_grad:
            gs = Gather.apply(grad, ctx.dim, ctx.index)
        return ga, gs, None, None

    def label(self) -> str:
        return f"scatter(dim={self.dim})"

    def formula(self, operands):
        args = [o for o in operands[:2] if o is not None]
        return nt.call("scatter", *args, f"dim={self.dim}")

    def trace_rule(self, k, operands, out, numbers):
        if k == 0:
            return ("custom", lambda u: nt.call("scatter", u, f"dim={self.dim}", "0"))
        return ("custom", lambda u: nt.call("gather", u, f"dim={self.dim}"))


def scatter(a: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """``a`` with ``src[i][j]`` (or ``value``) written at row ``index[i][j]`` along ``dim``
    (for dim=1); not in place. reduce='add' or 'multiply' combines instead of writing."""
    _tensor_input("scatter", a)
    if src is None:
        src = value
    elif value is not None:
        raise TypeError("scatter() got both 'src' and 'value'")
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    nd = max(a._data.ndim, 1)
    d = _norm_dim(dim, nd)
    if not isinstance(src, Tensor):
        if isinstance(src, np.ndarray):
            src = Tensor._wrap(src)
        elif not isinstance(src, (int, float, bool, np.number, np.bool_)):
            raise TypeError(
                f"scatter(): argument 'src' must be Tensor or Number, not {type(src).__name__}")
    _check_scatter("scatter", a, d, idx, src)
    if reduce is not None:
        return _scatter_reduce(a, d, idx, src, reduce)
    if not isinstance(src, Tensor):
        from .. import dtypes as _dt

        src = np.asarray(_dt.fill_scalar(src, a._data.dtype), dtype=a._data.dtype)
    if a._data.ndim == 0:
        # One element: work on it as a 1-vector.
        src1 = src.reshape(1) if isinstance(src, Tensor) else src
        out = Scatter.apply(a.reshape(1), src1, 0, idx.reshape(1).astype(np.intp))
        return out.reshape(())
    if isinstance(src, Tensor) and src._data.shape != idx.shape:
        from .index import GetItem

        # Only the part that index covers is read (and gets a gradient), as in PyTorch.
        src = GetItem.apply(src, tuple(slice(0, s) for s in idx.shape), True)
    return Scatter.apply(a, src, d, idx.astype(np.intp, copy=False))


def _scatter_reduce(a: Tensor, d: int, idx: np.ndarray, src: Any, reduce: str) -> Tensor:
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if a._data.ndim == 0:
        a1 = a.reshape(1)
        s1 = src.reshape(1) if isinstance(src, Tensor) else src
        return _scatter_reduce(a1, 0, idx.reshape(1), s1, reduce).reshape(())
    if isinstance(src, Tensor):
        from .index import GetItem

        part = src if src._data.shape == idx.shape else GetItem.apply(
            src, tuple(slice(0, s) for s in idx.shape), True)
    else:
        from .. import dtypes as _dt

        part = Tensor._wrap(np.full(idx.shape, _dt.fill_scalar(src, a._data.dtype),
                                    dtype=a._data.dtype))
    idx = idx.astype(np.intp, copy=False)
    if reduce == "add":
        # Exactly scatter_add, whose gradient is known (PyTorch leaves this one without
        # a derivative; having it is harmless).
        from .index import ScatterAddInto

        return a + ScatterAddInto.apply(part, d, idx, a._data.shape)
    if _STATE.enabled and (a.requires_grad or part.requires_grad):
        raise RuntimeError(
            "scatter(reduce='multiply'): derivative for aten::scatter is not implemented "
            "(PyTorch raises this in backward); compute it under no_grad() or detach the "
            "inputs")
    out = a._data.copy()
    np.multiply.at(out, _grid(idx, d), part._data)
    return Tensor._wrap(out)


# ----- repeating and broadcasting ----------------------------------------------------------


def broadcast_to(a: Tensor, *shape: Any) -> Tensor:
    """``a`` broadcast to ``shape`` (-1 keeps a size); a view, as ``expand``."""
    from .shape import expand

    _tensor_input("broadcast_to", a)
    return expand(a, _shape_arg(shape))


def repeat(a: Tensor, *sizes: Any) -> Tensor:
    """``a`` tiled ``sizes[i]`` times along dimension i (leading sizes add dimensions).
    (d0, ..., dn) -> (s0 * d0, ..., sn * dn)."""
    _tensor_input("repeat", a)
    reps = _shape_arg(sizes)
    shape = a._data.shape
    if len(reps) < len(shape):
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of "
            "dimensions of tensor")
    full = (1,) * (len(reps) - len(shape)) + shape
    out_shape = tuple(r * s for r, s in zip(reps, full))
    for s in out_shape:
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(out_shape)}")
    # (s0, s1) -> (1, s0, 1, s1) -> expand (r0, s0, r1, s1) -> reshape (r0 s0, r1 s1):
    # a copy of the data as tile makes, and the gradient sums over the copies.
    inter = tuple(x for s in full for x in (1, s))
    big = tuple(x for r, s in zip(reps, full) for x in (r, s))
    return Reshape.apply(Expand.apply(Reshape.apply(a, inter), big), out_shape)


def repeat_interleave(a: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or each slice along ``dim``) repeated ``repeats`` times in place:
    [a, b] -> [a, a, b, b]. repeats: an int or a tensor with one count per slice; with
    ``dim`` None the input is flattened. ``repeat_interleave(counts)`` alone gives
    0 counts[0] times, 1 counts[1] times, ..."""
    if repeats is None:
        counts = _repeat_counts(a, None)
        return Tensor._wrap(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    _tensor_input("repeat_interleave", a)
    if dim is None:
        a = Reshape.apply(a, (a._data.size,))
        d = 0
    else:
        d = _norm_dim(dim, max(a._data.ndim, 1))
        if a._data.ndim == 0:
            a = Reshape.apply(a, (1,))
    n = a._data.shape[d]
    if isinstance(repeats, Tensor) and repeats._data.size != 1:
        counts = _repeat_counts(repeats, n)
        if output_size is not None and int(counts.sum()) != output_size:
            raise RuntimeError("allocated size does not match required size")
        from .index import GetItem

        pos = np.repeat(np.arange(n, dtype=np.intp), counts)
        return GetItem.apply(a, _along(d, pos), False)
    if isinstance(repeats, Tensor):
        r = int(_repeat_counts(repeats, None)[0])
    else:
        r = _int_arg("repeat_interleave", "repeats", repeats, 2)
        if r < 0:
            raise RuntimeError("Repeats must be non-negative")
    shape = a._data.shape
    # (.., n, ..) -> (.., n, 1, ..) -> expand (.., n, r, ..) -> (.., n r, ..)
    inter = shape[:d + 1] + (1,) + shape[d + 1:]
    big = shape[:d + 1] + (r,) + shape[d + 1:]
    out = shape[:d] + (n * r,) + shape[d + 1:]
    return Reshape.apply(Expand.apply(Reshape.apply(a, inter), big), out)


def _repeat_counts(repeats: Any, n: int | None) -> np.ndarray:
    c = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if c.dtype.kind not in "iu":
        raise RuntimeError(
            f"repeat_interleave: repeats has to be Long or Int tensor, got {c.dtype}")
    if c.ndim > 1:
        raise RuntimeError("repeats has to be 1-dimensional, but got "
                           f"{c.ndim}-dimensional tensor")
    c = c.reshape(-1)
    if n is not None and c.size != n:
        raise RuntimeError(
            f"repeats must have the same size as input along dim, but got repeats.size(0) = "
            f"{c.size} and input.size(0) = {n}")
    if c.size and c.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return c.astype(np.intp)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of 0-d or 1-d tensors: output i varies along dimension i
    ('ij', the default) or, for the first two, with x along columns ('xy'). Each is a
    broadcast view of its input (gradients sum over the copies)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"meshgrid(): expected a sequence of Tensors, got {type(t).__name__}")
        if t._data.ndim > 1:
            raise RuntimeError(
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a "
                f"tensor of shape {list(t._data.shape)}")
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    sizes = tuple(t._data.size for t in ts)
    out = []
    for i, t in enumerate(ts):
        view = tuple(s if j == i else 1 for j, s in enumerate(sizes))
        out.append(Expand.apply(Reshape.apply(t, view), sizes))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def _check_fill_mask(a: Tensor, mask: Any, value: Any) -> tuple[np.ndarray, Any]:
    from .. import dtypes as _dt
    from ..tensor import _check_number

    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        names = {"int64": "long int", "int32": "int", "uint8": "unsigned char",
                 "float32": "float", "float64": "double"}
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{names.get(m.dtype.name, m.dtype.name)}")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                f"with {value._data.ndim} dimension(s).")
    else:
        if not isinstance(value, (bool, np.bool_)):
            _check_number("masked_fill_", "value", value)
        value = _dt.fill_scalar(value, a._data.dtype)
    return m, value


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where the bool ``mask`` is True, else ``a``; ``a`` and ``mask`` broadcast
    together, the dtype stays ``a``'s. A 0-d tensor value gets the masked gradient."""
    from .compare import where

    _tensor_input("masked_fill", a)
    m, value = _check_fill_mask(a, mask, value)
    if isinstance(value, Tensor) and value._data.dtype != a._data.dtype:
        value = value.to(a._data.dtype)
    return where(Tensor._wrap(m), value, a)


# ----- in place --------------------------------------------------------------------------


def _never(o: Any) -> bool:
    return False


def masked_fill_(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``masked_fill`` in place: ``mask`` must broadcast to ``a``'s shape. Returns ``a``."""
    from ..inplace import _modify

    _tensor_input("masked_fill_", a)
    m, value = _check_fill_mask(a, mask, value)
    try:
        ok = np.broadcast_shapes(m.shape, a._data.shape) == a._data.shape
    except ValueError:
        ok = False
    if not ok:
        shape = np.broadcast_shapes(m.shape, a._data.shape) if _broadcastable(
            m.shape, a._data.shape) else m.shape
        raise RuntimeError(
            f"output with shape {list(a._data.shape)} doesn't match the broadcast shape "
            f"{list(shape)}")
    return _modify(a, lambda s, v: masked_fill(s, m, v), value, _never, cast_any=True)


def _broadcastable(s1: tuple, s2: tuple) -> bool:
    try:
        np.broadcast_shapes(s1, s2)
    except ValueError:
        return False
    return True


def index_add_(a: Tensor, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``index_add`` in place. Returns ``a``."""
    from ..inplace import _modify

    _tensor_input("index_add_", a)
    return _modify(a, lambda s, src: index_add(s, dim, index, src, alpha=alpha), source,
                   _never)


def scatter_(a: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    """``scatter`` in place. Returns ``a``."""
    from ..inplace import _modify

    _tensor_input("scatter_", a)
    s = value if src is None else src
    return _modify(a, lambda t, v: scatter(t, dim, index, v, reduce=reduce), s, _never)


__all__ = [
    "broadcast_to", "chunk", "diag", "diagonal", "flip", "index_add", "index_add_",
    "index_select", "masked_fill", "masked_fill_", "masked_select", "meshgrid", "narrow",
    "repeat", "repeat_interleave", "roll", "scatter", "scatter_", "split", "trace", "tril",
    "triu", "unbind",
]
