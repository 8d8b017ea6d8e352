"""Creating parameters for layers: dtype handling shared by Linear, Conv2d, BatchNorm."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import dtypes

from .parameter import Parameter


def param_dtype(dtype: Any, device: Any = None) -> np.dtype:
    """float32 unless a floating ``dtype`` is given; only the CPU exists here."""
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"device {device!r} is not available: this library runs on the CPU")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.float32
    if dt.kind != "f":
        raise TypeError(f"layer parameters must be floating point, got dtype={dt}")
    return dt


def empty_param(shape: tuple[int, ...], dt: np.dtype, order: str = "C") -> Parameter:
    """A Parameter of ``shape`` with memory ``order`` ("C" or "F"); the layer's
    reset_parameters fills it (in place, so the order stays)."""
    return Parameter(np.zeros(shape, dtype=dt, order=order))
