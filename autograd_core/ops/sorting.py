"""Sorting and counting: sort, argsort, topk, unique, nonzero, bincount, histc, histogram.

``sort`` and ``topk`` return (values, indices) as PyTorch does; the values are a
``gather`` of the input at the indices, so their gradient is scattered back to the
positions they came from (gather's backward), with no formula of their own. Ties keep
their original order (a stable sort), descending too; NaN counts as larger than every
number, as in PyTorch. The rest give integer results or counts and carry no gradient.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..tensor import Tensor, _tensor_input
from .shape import _norm_dim

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])

_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}


def _tname(dt: np.dtype) -> str:
    return _TORCH_NAMES.get(np.dtype(dt).name, str(dt))


def _cname(dt: np.dtype) -> str:
    """The C++ name PyTorch's histogram messages use (float, double, c10::Half)."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half"}.get(
        np.dtype(dt).name, str(dt))


def stable_argsort(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Indices that sort ``x`` along ``axis``; equal elements keep their order, and NaN
    sorts above every number (last ascending, first descending)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # Descending and stable: sort the reversed array ascending (stable), then reverse.
    # Equal elements come out in their original order; NaN, last ascending, comes first.
    n = x.shape[axis]
    idx = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(idx, axis)


def _sorted_along(a: Tensor, d: int, idx: np.ndarray) -> tuple[Tensor, Tensor]:
    """(values, int64 indices) of ``a`` taken at ``idx`` along ``d``: values by gather."""
    from .index import Gather

    vals = np.take_along_axis(a._data, idx, axis=d)
    values = Gather.apply(a, d, idx.astype(np.intp, copy=False), vals)
    return values, Tensor._wrap(idx.astype(np.int64, copy=False))


def sort(a: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
    """``a`` sorted along ``dim``: a namedtuple (values, indices) with
    ``values == a.gather(dim, indices)``. Always stable (ties keep their order), which
    PyTorch also gives on the CPU; ``stable`` is accepted for the signature."""
    _tensor_input("sort", a)
    nd = a._data.ndim
    d = _norm_dim(dim, nd)
    if nd == 0:
        from .unary import clone

        return SortResult(clone(a), Tensor._wrap(np.zeros((), np.int64)))
    idx = stable_argsort(a._data, d, bool(descending))
    return SortResult(*_sorted_along(a, d, idx))


def argsort(a: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The int64 indices that sort ``a`` along ``dim`` (ties in their original order)."""
    _tensor_input("argsort", a)
    nd = a._data.ndim
    d = _norm_dim(dim, nd)
    if nd == 0:
        return Tensor._wrap(np.zeros((), np.int64))
    return Tensor._wrap(stable_argsort(a._data, d, bool(descending)).astype(np.int64))


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim``: a namedtuple (values,
    indices), largest first (smallest first when ``largest=False``), tied values in
    index order. Which of several elements tied at the k-th place are taken is left
    unspecified, as in PyTorch. NaN counts as the largest value."""
    _tensor_input("topk", a)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): argument 'k' (position 1) must be int, not {type(k).__name__}")
    nd = a._data.ndim
    d = _norm_dim(dim, nd)
    n = a._data.shape[d] if nd else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    if a._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if nd == 0:
        return TopkResult(*sort(a))
    return TopkResult(*_sorted_along(a, d, _topk_indices(a._data, int(k), d, bool(largest))))


def _topk_indices(x: np.ndarray, k: int, d: int, largest: bool) -> np.ndarray:
    """Indices of the k largest (smallest) elements along d, best first, ties in index
    order. For small k a partial selection (O(n)) finds the candidates, which are then
    sorted; a full sort would cost O(n log n) for every row of, say, a vocabulary."""
    n = x.shape[d]
    along = (slice(None),) * d
    if k == 0 or 4 * k >= n:
        return stable_argsort(x, d, largest)[along + (slice(0, k),)]
    if largest:  # NaN partitions to the end, as the largest value (PyTorch's order)
        cand = np.argpartition(x, n - k, axis=d)[along + (slice(n - k, n),)]
    else:
        cand = np.argpartition(x, k - 1, axis=d)[along + (slice(0, k),)]
    cand = np.sort(cand, axis=d)  # index order, which the stable sort keeps among ties
    order = stable_argsort(np.take_along_axis(x, cand, axis=d), d, largest)
    return np.take_along_axis(cand, order, axis=d)


def unique(a: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct elements of ``a`` (flattened) in ascending order, or its distinct
    slices along ``dim``. With ``return_inverse``: for each element (slice) of ``a`` the
    int64 position of its value in the result; with ``return_counts``: how often each
    occurs. NaNs are each distinct, as in PyTorch."""
    _tensor_input("unique", a)
    x = a._data
    if dim is None:
        res = np.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                        equal_nan=False)
        values, inverse, counts = res
        inverse = inverse.reshape(x.shape)
    else:
        d = _norm_dim(dim, x.ndim)
        if x.ndim == 0:
            values, inverse, counts = x.reshape(1), np.zeros((), np.int64), np.ones(1)
        elif x.size == 0 and x.shape[d] != 0:
            raise RuntimeError(
                "There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                "applied")
        elif x.shape[d] == 0:
            values = x
            inverse = np.zeros(0, np.int64)
            counts = np.zeros(0, np.int64)
        else:
            values, inverse, counts = _unique_slices(x, d)
    out = [Tensor._wrap(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(Tensor._wrap(np.asarray(inverse, dtype=np.int64)))
    if return_counts:
        out.append(Tensor._wrap(np.asarray(counts, dtype=np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_slices(x: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct slices along ``d`` in lexicographic order, inverse and counts."""
    moved = np.moveaxis(x, d, 0)
    rows = moved.reshape(moved.shape[0], -1)
    # Lexicographic order of the rows: sort by the last column first, stably.
    order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(rows.shape[0])
    srt = rows[order]
    if srt.shape[1]:
        new = np.concatenate([[True], np.any(srt[1:] != srt[:-1], axis=1)])
    else:
        new = np.concatenate([[True], np.zeros(srt.shape[0] - 1, bool)])
    group = np.cumsum(new) - 1
    inverse = np.empty(rows.shape[0], np.int64)
    inverse[order] = group
    counts = np.bincount(group)
    values = np.moveaxis(moved[order[new]], 0, d)
    return values, inverse, counts


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    """Positions of the non-zero elements (NaN counts as non-zero): an (n, ndim) int64
    tensor, or with ``as_tuple`` one int64 vector per dimension."""
    _tensor_input("nonzero", a)
    x = a._data
    if as_tuple:
        if x.ndim == 0:
            return (Tensor._wrap(np.zeros(1 if x else 0, dtype=np.int64)),)
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(x))
    return Tensor._wrap(np.argwhere(x).astype(np.int64))


def bincount(a: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0..max occurs in a 1-D tensor of non-negative integers (at
    least ``minlength`` bins); with ``weights``, their sums instead. int64 counts;
    float weights keep their dtype, other weights give float64."""
    _tensor_input("bincount", a)
    x = a._data
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{_tname(x.dtype)}\'')
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)):
        raise TypeError(
            f"bincount(): argument 'minlength' must be int, not {type(minlength).__name__}")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._wrap(np.bincount(x, minlength=int(minlength)).astype(np.int64))
    w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    out = np.bincount(x, weights=w, minlength=int(minlength))
    return Tensor._wrap(out.astype(dtype))


def _float_input(name: str, kernel: str, a: Tensor) -> np.ndarray:
    _tensor_input(name, a)
    if a._data.dtype.kind != "f":
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_tname(a._data.dtype)}\'')
    return a._data


def _bins_arg(name: str, bins: Any) -> int:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'bins' must be int, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    return int(bins)


def histc(a: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of ``a``'s elements in ``bins`` equal-width bins over [min, max] (elements
    outside are left out; the last bin includes max). min == max: the data's own range
    (widened by 1 on each side when all elements are equal). Same dtype as ``a``."""
    x = _float_input("histc", "histogram_cpu", a).reshape(-1)
    bins = _bins_arg("histc", bins)
    lo, hi = float(min), float(max)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_num(lo)}, {_num(hi)}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and x.size:
        lo, hi = float(np.min(x)), float(np.max(x))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            nan = np.isnan(lo) or np.isnan(hi)
            lo_t = "-nan" if nan else _num(lo)
            hi_t = "-nan" if nan else _num(hi)
            raise RuntimeError(f"torch.histc: range of [{lo_t}, {hi_t}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    dt = x.dtype.type
    lo_d, hi_d = dt(lo), dt(hi)
    keep = (x >= lo_d) & (x <= hi_d)
    xs = x[keep]
    # The bin by linear interpolation, as PyTorch's histc computes it (in the input's
    # dtype), the maximum itself going into the last bin.
    with np.errstate(invalid="ignore", over="ignore"):
        pos = ((xs - lo_d) * dt(bins) / (hi_d - lo_d)).astype(np.int64)
    np.minimum(pos, bins - 1, out=pos)
    return Tensor._wrap(np.bincount(pos, minlength=bins).astype(x.dtype))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _edges(lo: float, hi: float, n: int, dt: type) -> np.ndarray:
    """``n`` evenly spaced edges from lo to hi, the first half counted from lo and the
    rest back from hi (as PyTorch's linspace), so both ends are exact."""
    lo_d, hi_d = dt(lo), dt(hi)
    if n == 1:
        return np.array([lo_d], dtype=dt)
    step = (hi_d - lo_d) / dt(n - 1)
    i = np.arange(n)
    head = lo_d + step * i.astype(dt)
    tail = hi_d - step * (n - 1 - i).astype(dt)
    return np.where(i < n // 2, head, tail).astype(dt)


def _histogram_edges(x: np.ndarray, bins: Any, range: Any) -> np.ndarray:  # noqa: A002
    """The bin edges of ``histogram``: a copy of a bins tensor (checked), or ``bins`` + 1
    equal steps over ``range`` or the data's own range (``x``: the flat input)."""
    dt = x.dtype.type
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{edges.ndim} dimensions in the bins tensor for dimension 0")
        if edges.size < 2:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {edges.size - 1} for dimension 0")
        if edges.dtype != x.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {_cname(x.dtype)} and bins for dimension 0 with "
                f"dtype {_cname(edges.dtype)}")
        if edges.size > 1 and np.any(np.diff(edges) < 0):
            raise RuntimeError(
                "torch.histogram(): bins must increase monotonically (PyTorch gives an "
                "unspecified result otherwise)")
        edges = edges.copy()
    else:
        n = _bins_arg("histogram", bins)
        if range is not None:
            lo, hi = (float(r) for r in range)
            if lo > hi:
                raise RuntimeError(
                    f"torch.histogramdd: min should not exceed max, but got min {_num(lo)} "
                    f"max {_num(hi)} for dimension 0")
        elif x.size:
            lo, hi = float(np.min(x)), float(np.max(x))
        else:
            lo, hi = 0.0, 1.0  # no data: [0, 1], as PyTorch
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(
                f"torch.histogramdd: dimension 0's range [{_num(lo)}, {_num(hi)}] is not "
                "finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _edges(lo, hi, n + 1, dt)
    return edges


def _histogram_weight(weight: Any, a: Tensor, x: np.ndarray) -> np.ndarray | None:
    """``histogram``'s weights flattened (None without), checked against the input ``a``."""
    if weight is None:
        return None
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != a._data.shape:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided it should have the same "
            f"shape as the input tensor excluding its innermost dimension, but got "
            f"input with shape {[x.size, 1]} and weight with shape {list(w.shape)}")
    if w.dtype != x.dtype:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided, input tensor and weight "
            f"tensor should have the same dtype, but got input({_cname(x.dtype)}), and "
            f"weight({_cname(w.dtype)})")
    return w.reshape(-1)


def histogram(a: Tensor, bins: Any, *, range: Any = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> Any:
    """Histogram of ``a``'s elements: a namedtuple (hist, bin_edges). bins: a count of
    equal-width bins over ``range`` (default: the data's min and max, widened by 0.5
    each side when they are equal) or a 1-D tensor of increasing edges. Each bin holds
    [left, right), the last [left, right]. ``weight`` sums weights instead of counting;
    ``density`` divides by the total and the bin widths."""
    x = _float_input("histogram", "histogramdd", a).reshape(-1)
    edges = _histogram_edges(x, bins, range)
    w = _histogram_weight(weight, a, x)
    nb = edges.size - 1
    if nb < 1:
        hist = np.zeros(0, dtype=x.dtype)
        return HistogramResult(Tensor._wrap(hist), Tensor._wrap(edges))
    pos = np.searchsorted(edges, x, side="right") - 1
    pos[x == edges[-1]] = nb - 1  # the last bin is closed on the right
    keep = (pos >= 0) & (pos < nb) & (x <= edges[-1])
    hist = np.bincount(pos[keep], weights=None if w is None else w[keep], minlength=nb)
    hist = hist.astype(x.dtype)
    if density:
        total = hist.sum(dtype=x.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = (hist / (total * np.diff(edges))).astype(x.dtype)
    return HistogramResult(Tensor._wrap(hist), Tensor._wrap(edges))


__all__ = ["argsort", "bincount", "histc", "histogram", "nonzero", "sort", "topk", "unique",
           "stable_argsort", "SortResult", "TopkResult", "HistogramResult"]
