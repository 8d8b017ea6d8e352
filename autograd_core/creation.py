"""Tensor factories (PyTorch names) and the global random generator.

``manual_seed(s)`` makes ``rand``/``randn``/``randint``/``randperm`` (and the ``nn.init``
functions that use them) repeatable. The numbers differ from PyTorch's: only the
distributions match.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _check_can_require_grad, _tensor_input


class _RNG:
    __slots__ = ("gen",)

    def __init__(self) -> None:
        self.gen = np.random.default_rng()


RNG = _RNG()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator used by rand, randn, randint, randperm and nn.init."""
    RNG.gen = np.random.default_rng(int(seed))
    return RNG.gen


def default_generator() -> np.random.Generator:
    """The global ``np.random.Generator`` behind the random factories."""
    return RNG.gen


def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"size must be a tuple of ints, but got an element of type {type(s).__name__}"
            )
    out = tuple(int(s) for s in size)
    if any(s < 0 for s in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(out)}")
    return out


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, Tensor) and value.data.ndim == 0:
        return
    if not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(
            f"{name}(): argument 'fill_value' must be Number, not {type(value).__name__}"
        )


def _make(arr: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    if dtype is not None:
        arr = arr.astype(_dt.to_dtype(dtype), copy=False)
    t = Tensor._wrap(arr)
    if requires_grad:
        _check_can_require_grad(arr.dtype)
        t.requires_grad = True
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (number, list, ndarray or Tensor)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """Like ``tensor`` but shares an ndarray's memory when no cast is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _dt.to_dtype(dtype)):
        return Tensor._wrap(data)
    return Tensor(data, dtype=dtype)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing ``arr``'s memory."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return Tensor._wrap(arr)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape (float32 by default)."""
    return _make(np.zeros(_size(size), dtype=_dt.to_dtype(dtype or _dt.float32)), None,
                 requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape (float32 by default)."""
    return _make(np.ones(_size(size), dtype=_dt.to_dtype(dtype or _dt.float32)), None,
                 requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zeros, so nothing is ever left undefined)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; dtype inferred as PyTorch does."""
    _check_number("full", fill_value)
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = _dt.bool_
        elif isinstance(fill_value, int):
            dtype = _dt.int64
        else:
            dtype = _dt.float32
    dt = _dt.to_dtype(dtype)
    return _make(np.full(_size((size,) if isinstance(size, int) else (size,)),
                         _dt.fill_scalar(fill_value, dt), dtype=dt), None, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and dtype."""
    _tensor_input("zeros_like", t)
    return _make(np.zeros_like(t.data, dtype=_dt.to_dtype(dtype) if dtype else None), None,
                 requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and dtype."""
    _tensor_input("ones_like", t)
    return _make(np.ones_like(t.data, dtype=_dt.to_dtype(dtype) if dtype else None), None,
                 requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``t``'s shape and dtype."""
    _tensor_input("full_like", t)
    _check_number("full_like", fill_value)
    return _make(np.full_like(t.data, fill_value, dtype=_dt.to_dtype(dtype) if dtype else None),
                 None, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values start, start+step, ... below end; int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dt.int64 if all_int else _dt.float32
    arr = np.arange(start, end, step, dtype=np.float64)
    return _make(arr.astype(_dt.to_dtype(dtype)), None, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive (float32 by default)."""
    if int(steps) < 0:
        raise RuntimeError(f"number of steps must be non-negative, got {steps}")
    arr = np.linspace(start, end, int(steps)).astype(_dt.to_dtype(dtype or _dt.float32))
    return _make(arr, None, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Identity matrix (n, m)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _make(np.eye(n, m, dtype=_dt.to_dtype(dtype or _dt.float32)), None, requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of the given shape (float32 by default)."""
    dt = _dt.to_dtype(dtype or _dt.float32)
    return _make(RNG.gen.random(_size(size)).astype(dt), None, requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples of the given shape (float32 by default)."""
    dt = _dt.to_dtype(dtype or _dt.float32)
    return _make(RNG.gen.standard_normal(_size(size)).astype(dt), None, requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), dtype: Any = None) -> Tensor:
    """Integers uniform in [low, high) of ``size`` (int64)."""
    if isinstance(high, (tuple, list)):
        low, high, size = 0, low, high  # randint(high, size), as torch allows
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    arr = RNG.gen.integers(low, high, size=_size((size,) if isinstance(size, int) else (size,)))
    return _make(arr.astype(_dt.to_dtype(dtype or _dt.int64)), None, False)


def randperm(n: int, dtype: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    if int(n) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _make(RNG.gen.permutation(int(n)).astype(_dt.to_dtype(dtype or _dt.int64)), None,
                 False)
