"""PyTorch-like printing: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

_DEFAULT_DTYPES = ("float32", "int64", "bool")


def _float_formatter(arr: np.ndarray):
    finite = arr[np.isfinite(arr)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    nonzero = np.abs(finite[finite != 0])
    big = nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4)
    if big:
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}"


def tensor_repr(t: Tensor) -> str:
    arr = t.data
    if arr.dtype.kind == "f":
        fmt = {"float_kind": _float_formatter(arr)}
    else:
        fmt = None
    body = np.array2string(
        arr, separator=", ", prefix="tensor(", formatter=fmt, threshold=1000, edgeitems=3
    )
    extras = []
    if arr.dtype.name not in _DEFAULT_DTYPES:
        extras.append(f"dtype={arr.dtype.name}")
    if arr.size == 0 and arr.ndim != 1:
        extras.insert(0, f"size={tuple(arr.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
