"""Argument checks shared by the functional ops: tuples of two, tensors, reductions."""

from __future__ import annotations

import functools
import operator
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from autograd_core import Tensor

REDUCTIONS = ("none", "mean", "sum")
R = TypeVar("R")


_IMMUTABLE = (int, float, str, bool, type(None), np.integer, np.floating, np.bool_)


def _frozen(v: Any) -> Any:
    # Types are part of the key (stride=1.0 must raise as before, not hit stride=1's
    # entry): ints, strings and tuples of ints stand for themselves, other immutable
    # scalars are paired with their type, which no plain key contains. Anything else
    # (a tensor, an array: it could change in place) raises TypeError: not cached.
    c = v.__class__
    if c is int or c is str or (c is tuple and all(e.__class__ is int for e in v)):
        return v
    if isinstance(v, (list, tuple)):
        return (tuple, tuple(_frozen(e) for e in v))
    if isinstance(v, _IMMUTABLE):
        return (c, v)
    raise TypeError("not cached")


def memoized(fn: Callable[..., R]) -> Callable[..., R]:
    """``fn`` cached on its arguments' values and types, for pure geometry helpers (a
    layer's window from its sizes and options: the same few every step, and at batch
    size 1 working them out again cost about as much as the arithmetic). A call that
    raises is not cached, so a bad argument raises every time; an argument that is not
    a plain immutable value (number, string, None, or a list or tuple of them) is
    computed without the cache."""
    cache: dict = {}

    @functools.wraps(fn)
    def call(*args: Any) -> R:
        try:
            key = tuple(map(_frozen, args))
            hit = cache.get(key)
        except TypeError:  # not a plain immutable value (or unhashable): not cached
            return fn(*args)
        if hit is None:
            hit = fn(*args)
            if len(cache) < 1024:
                cache[key] = hit
        return hit

    return call


def pair(value: Any, name: str, op: str = "conv2d") -> tuple[int, int]:
    """An int or a sequence of one or two ints, as the (height, width) pair."""
    if isinstance(value, (list, tuple)):
        vals = tuple(value)
        if len(vals) == 1:
            vals = vals * 2
        if len(vals) != 2:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of 2 values to "
                f"match the convolution dimensions, but got {name}={list(vals)}")
    else:
        vals = (value, value)
    try:
        return (operator.index(vals[0]), operator.index(vals[1]))
    except TypeError:
        raise TypeError(
            f"{op}(): {name} must be an int or a tuple of two ints, got {value!r}") from None


def check_tensor(x: Any, name: str, op: str) -> Tensor:
    """``x`` itself, or a TypeError naming the op and argument when it is not a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def same_dtype(op: str, *pairs: tuple[str, Tensor | None]) -> None:
    """PyTorch's layers refuse mixed float32/float64 operands rather than promote."""
    present = [(n, t) for n, t in pairs if t is not None]
    first_name, first = present[0]
    for n, t in present[1:]:
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(
                f"{op}(): expected {n} to have the same dtype as {first_name} "
                f"({first._data.dtype}), but got {t._data.dtype}; "
                f"expected scalar type {_torch_name(first._data.dtype)} but found "
                f"{_torch_name(t._data.dtype)}")


def _torch_name(dt: Any) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "bool": "Bool", "uint8": "Byte"}.get(str(dt), str(dt))


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """Map PyTorch's deprecated size_average/reduce arguments onto ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction instead.",
        stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def check_reduction(reduction: str) -> None:
    """Raise PyTorch's ValueError for a reduction other than none/mean/sum."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Apply 'none' | 'mean' | 'sum' to an elementwise loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss

