"""``torch.linalg`` norms: ``norm``, ``vector_norm`` and ``matrix_norm``.

Vector norms are one node (``ops.reduce_more.VectorNorm``) for finite orders; inf and
-inf are max/min of |x| (ties share the gradient, as PyTorch). Matrix norms are built
from them: 'fro' is the 2-norm over both dims, ord = 1 / -1 the max / min column sum of
|A|, inf / -inf the max / min row sum. Orders 2, -2 and 'nuc' need singular values,
which this engine does not differentiate; they raise NotImplementedError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops.reduce_more import vector_norm
from .ops.shape import _norm_dim
from .tensor import Tensor, _tensor_input

__all__ = ["matrix_norm", "norm", "vector_norm"]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.number)) and not isinstance(v, bool)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """The matrix norm of the (dim[0], dim[1]) planes of ``A``: 'fro' (default), 1, -1
    (max/min over columns of the column's |.| sum), inf, -inf (the same over rows).
    (*, m, n) -> (*)."""
    _tensor_input("linalg.matrix_norm", A)
    if A._data.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) != 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    nd = A._data.ndim
    d0, d1 = (_norm_dim(d, nd) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(ord, str):
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim)
        if ord == "nuc":
            raise NotImplementedError(
                "linalg.matrix_norm(ord='nuc'): the nuclear norm needs singular values, "
                "which autograd_core does not differentiate")
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if not _is_number(ord) or ord not in (1, -1, 2, -2, float("inf"), float("-inf")):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if abs(ord) == 2:
        raise NotImplementedError(
            f"linalg.matrix_norm(ord={ord}): the spectral norm needs singular values, which "
            "autograd_core does not differentiate")
    from .ops.reduce import amax, amin

    # ord 1: sum over rows (d0) of |A|, then max over columns (d1); inf: the reverse.
    sum_dim, ext_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = vector_norm(A, 1, sum_dim, True)
    out = (amax if ord > 0 else amin)(sums, ext_dim, True)
    if not keepdim:
        out = out.squeeze((d0, d1))
    return out


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """``torch.linalg.norm``: with ``dim`` an int (or 1-tuple), the vector norm; a 2-tuple,
    the matrix norm. Without ``dim``: ord None gives the 2-norm of all elements; an
    ord needs a 1-D (vector norm) or 2-D (matrix norm) input."""
    _tensor_input("linalg.norm", A)
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1:
            if isinstance(ord, str):
                raise RuntimeError(f"linalg.vector_norm: ord {ord!r} is a matrix norm; "
                                   "give dim as a 2-tuple for it")
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(
            f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._data.ndim
    if nd == 1:
        if isinstance(ord, str):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                f"2D. Got 1D with the matrix order {ord!r}")
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if nd == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(
        f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
        f"Got {nd}D.")
