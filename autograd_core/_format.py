"""PyTorch-like printing: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

from . import dtypes as _dt

# Dtypes PyTorch leaves out of a tensor's repr (besides the default float dtype).
_UNNAMED_DTYPES = ("int64", "bool")


def _float_formatter(arr: np.ndarray):
    """PyTorch's choice of float format, every element padded to one width.

    Whole numbers print as "2."; scientific notation when the nonzero finite magnitudes
    span more than a factor 1000, exceed 1e8, or (for non-whole numbers) go below 1e-4.
    """
    vals = arr[np.isfinite(arr) & (arr != 0)].astype(np.float64)
    if vals.size == 0:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    mags = np.abs(vals)
    lo, hi = mags.min(), mags.max()
    whole = bool(np.all(vals == np.ceil(vals)))
    if hi / lo > 1000.0 or hi > 1e8 or (not whole and lo < 1e-4):
        def body(v):
            return f"{v:.4e}"
    elif whole:
        def body(v):
            return f"{v:.0f}." if np.isfinite(v) else f"{v:.0f}"
    else:
        def body(v):
            return f"{v:.4f}"
    # The widest string comes from an extreme value; a long tensor is not formatted twice.
    probe = vals if vals.size <= 1000 else vals[[vals.argmin(), vals.argmax(),
                                                  mags.argmin(), mags.argmax()]]
    width = max(len(body(v)) for v in probe)
    return lambda v: body(v).rjust(width)


def tensor_repr(t: Tensor) -> str:
    arr = t._data
    if _dt.is_float(arr.dtype):
        fmt = {"float_kind": _float_formatter(arr)}
        if arr.dtype.kind != "f":  # bfloat16: NumPy does not see it as a float
            arr = arr.astype(np.float32)
    else:
        fmt = None
    body = np.array2string(
        arr, separator=", ", prefix="tensor(", formatter=fmt, threshold=1000, edgeitems=3,
        # 81 makes NumPy's line filling break rows where PyTorch's 80 columns do in
        # most cases (the two count the separators differently).
        max_line_width=81,
    )
    # PyTorch writes an elided run inside a row as " ..." (NumPy: "...").
    body = body.replace(", ...,", ",  ...,")
    extras = []
    dt = t._data.dtype
    if dt.name not in _UNNAMED_DTYPES and dt != _dt.DEFAULT_FLOAT:
        extras.append(f"dtype={_dt.wrap(dt)}")
    if arr.size == 0 and arr.ndim != 1:
        extras.insert(0, f"size={tuple(arr.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
