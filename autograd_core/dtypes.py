"""dtypes and type promotion, following PyTorch's rules.

PyTorch promotes by category (bool < integer < floating). A Python number is "weak":
it only raises the category (an int tensor times 2.5 is float32, the default float
dtype), never the width. A 0-d tensor is weaker than a tensor with dimensions of the
same category (float32 (3,) + float64 () stays float32).
"""

from __future__ import annotations

import builtins as _b
from typing import Any

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 - PyTorch's alias
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

DEFAULT_FLOAT = float32
_NAMES = {
    "float16": float16, "half": float16, "float32": float32, "float": float32,
    "float64": float64, "double": float64, "int8": int8, "int16": int16,
    "short": int16, "int32": int32, "int": int32, "int64": int64, "long": int64,
    "uint8": uint8, "bool": bool_,
}


def to_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype given as np.dtype, NumPy type, Python type or name."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str):
        name = dtype.replace("torch.", "")
        if name in _NAMES:
            return _NAMES[name]
    if dtype is _b.float:
        return float32
    if dtype is _b.bool:
        return bool_
    if dtype is _b.int:
        return int64
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


def category(dt: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    k = dt.kind
    if k == "b":
        return 0
    if k in "iu":
        return 1
    if k == "f":
        return 2
    raise TypeError(f"unsupported dtype {dt}")


def scalar_category(x: Any) -> int:
    if isinstance(x, _b.bool):
        return 0
    if isinstance(x, _b.int):
        return 1
    return 2


def promote(a_dtype: np.dtype, a_ndim: int, b_dtype: np.dtype, b_ndim: int) -> np.dtype:
    """Result dtype of a binary op between two tensors, as PyTorch computes it."""
    if a_dtype == b_dtype:
        return a_dtype
    ca, cb = category(a_dtype), category(b_dtype)
    a_dim, b_dim = a_ndim > 0, b_ndim > 0
    if a_dim == b_dim:
        if ca == cb:
            return np.promote_types(a_dtype, b_dtype)
        return a_dtype if ca > cb else b_dtype
    # One has dimensions, the other is 0-d: the 0-d one counts only if its category is
    # higher.
    dim_dt, zero_dt, cdim, czero = (a_dtype, b_dtype, ca, cb) if a_dim else (
        b_dtype, a_dtype, cb, ca)
    if czero > cdim:
        return zero_dt
    return dim_dt


def promote_scalar(t_dtype: np.dtype, scalar: Any) -> np.dtype:
    """Result dtype of a tensor combined with a Python number."""
    ct, cs = category(t_dtype), scalar_category(scalar)
    if cs <= ct:
        return t_dtype
    return DEFAULT_FLOAT if cs == 2 else int64


# The C type names PyTorch uses in "value cannot be converted" messages.
_C_TYPES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "uint8": "uint8_t", "float32": "float", "float64": "double",
            "float16": "c10::Half"}


def fill_scalar(value: Any, dtype: np.dtype) -> Any:
    """``value`` (a Python or NumPy number) converted to ``dtype`` as PyTorch's fills
    (``full``, ``fill_``, ``masked_fill``) convert it, or its RuntimeError.

    A float going into an integer dtype is truncated toward zero, but only if it lies
    within the dtype's range (127.5 does not fit int8; NaN and inf fit no integer). An
    integer may also be negative for an unsigned dtype down to -max, and wraps (-1 is
    255 in uint8), as in PyTorch. Anything goes into bool (nonzero is True); a finite
    float beyond float32's range is refused, float16 rounds it to inf.
    """
    dt = np.dtype(dtype)
    kind = dt.kind
    if kind == "b":
        return _b.bool(value)
    if isinstance(value, (_b.bool, np.bool_)):
        return _b.int(value) if kind in "iu" else _b.float(value)
    fits = True
    if kind in "iu":
        info = np.iinfo(dt)
        if isinstance(value, (_b.int, np.integer)):
            v = _b.int(value)
            low = -_b.int(info.max) if info.min == 0 else _b.int(info.min)
            if low <= v <= info.max:
                return v % (_b.int(info.max) + 1) if v < 0 and info.min == 0 else v
            fits = False
        else:
            f = _b.float(value)
            if f == f and info.min <= f <= info.max:
                return _b.int(f)  # int() truncates toward zero, as a C cast does
            fits = False
    elif kind == "f" and dt != float16:
        f = _b.float(value)
        big = _b.float(np.finfo(dt).max)
        fits = not (f == f and abs(f) != _b.float("inf") and abs(f) > big)
        if fits:
            return value
    else:
        return value
    raise RuntimeError(f"value cannot be converted to type {_C_TYPES.get(dt.name, dt.name)} "
                       f"without overflow (got {value!r})")
