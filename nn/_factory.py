"""Creating parameters for layers: dtype handling shared by Linear, Conv2d, BatchNorm."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import dtypes
from autograd_core.device import check as device_check

from .parameter import Parameter


def param_dtype(dtype: Any, device: Any = None) -> np.dtype:
    """The default dtype (``get_default_dtype()``, float32 unless changed) unless a
    floating ``dtype`` is given; only the CPU exists here (another device raises)."""
    device_check(device, "parameter")
    dt = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    if dt.kind != "f":
        raise TypeError(f"layer parameters must be floating point, got dtype={dt}")
    return dt


def empty_param(shape: tuple[int, ...], dt: np.dtype, order: str = "C") -> Parameter:
    """A Parameter of ``shape`` with memory ``order`` ("C" or "F"); the layer's
    reset_parameters fills it (in place, so the order stays)."""
    return Parameter(np.zeros(shape, dtype=dt, order=order))
