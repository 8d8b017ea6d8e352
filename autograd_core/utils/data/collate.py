"""Turning a list of B samples into one batch, with PyTorch's ``default_collate`` rules.

- Tensors are stacked into one tensor (B, ...); NumPy arrays likewise (dtype kept).
- A batch whose first sample is a Python float becomes a float64 tensor (B,); one that
  starts with an int or bool, or a NumPy scalar, gets torch.tensor's dtype for all of
  its numbers (ints int64, bools bool, and float32 as soon as one is a float).
- Strings are passed through as given; dicts are collated key by key; tuples and lists of fields are
  collated field by field and returned as a list (a namedtuple keeps its type).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ... import dtypes as _dt
from ...ops import stack
from ...tensor import Tensor

_NUMERIC_KINDS = "biuf"


def _type_error(found: Any) -> TypeError:
    return TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {found}"
    )


def _number_dtype(x: Any) -> np.dtype:
    """The dtype torch.tensor gives one number: bool, int64, the default float32, or a
    NumPy scalar's own dtype."""
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, np.generic):
        dt = np.dtype(type(x))
        if dt.kind not in _NUMERIC_KINDS:
            raise _type_error(dt)
        return dt
    if isinstance(x, int):
        return np.dtype(np.int64)
    if isinstance(x, float):
        return _dt.DEFAULT_FLOAT
    if x is None:
        raise RuntimeError("Could not infer dtype of NoneType (default_collate: a batch of "
                           "numbers holds None)")
    raise TypeError(
        f"default_collate: a batch of numbers holds a {type(x).__name__} ({x!r}); every "
        "element must be a number (bool, int or float)")


def _numbers(batch: Sequence[Any], dtype: np.dtype | None) -> Tensor:
    """A batch of Python or NumPy numbers as one tensor (B,), with torch.tensor's dtype
    (promotion by category: any float makes it floating point) unless ``dtype`` is given."""
    inferred = _number_dtype(batch[0])
    for x in batch[1:]:
        inferred = _dt.promote(inferred, 1, _number_dtype(x), 1)
    target = dtype or inferred
    if target.kind in "iu":
        info = np.iinfo(target)
        for x in batch:
            if isinstance(x, int) and not info.min <= x <= info.max:
                raise ValueError(
                    f"default_collate: the integer {x} does not fit in {target} "
                    "(Overflow when unpacking long long)")
    return Tensor._wrap(np.array([target.type(x) for x in batch], dtype=target))


def default_collate(batch: Sequence[Any]) -> Any:
    """Collate a list of B samples into one batch whose leading dimension is B."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind not in _NUMERIC_KINDS:
            raise _type_error(elem.dtype)
        return stack([Tensor._wrap(np.asarray(b)) for b in batch])
    if isinstance(elem, np.generic):
        if np.dtype(type(elem)).kind not in _NUMERIC_KINDS:
            raise _type_error(np.dtype(type(elem)))
        return _numbers(batch, None)
    if isinstance(elem, float):
        # PyTorch: torch.tensor(batch, dtype=torch.float64), whatever the other numbers.
        return _numbers(batch, np.dtype(np.float64))
    if isinstance(elem, int):  # bools too (a subclass of int)
        # PyTorch: torch.tensor(batch), whose dtype comes from every number in the batch
        # ([1, 2.5] is float32, [True, 2] int64), not from the first one alone.
        return _numbers(batch, None)
    if isinstance(elem, (str, bytes)):
        return batch  # as PyTorch: strings are passed through, not tensors
    if isinstance(elem, Mapping):
        return _collate_mapping(batch)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(s) for s in zip(*batch)]
    raise _type_error(type(elem))


def _collate_mapping(batch: Sequence[Mapping]) -> Any:
    """Dict samples collated key by key (the first sample's keys), in its mapping type."""
    elem = batch[0]
    for i, d in enumerate(batch):
        missing = [k for k in elem if k not in d] if isinstance(d, Mapping) else None
        if missing:
            raise KeyError(f"default_collate: sample {i} lacks the key {missing[0]!r} "
                           "that the first sample has")
    collated = {key: default_collate([d[key] for d in batch]) for key in elem}
    try:
        return type(elem)(collated)
    except TypeError:  # a mapping type that cannot be built from a dict
        return collated


def default_convert(data: Any) -> Any:
    """Convert one sample without batching (used with ``batch_size=None``): NumPy arrays
    and scalars become tensors; containers are converted element by element."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        return Tensor._wrap(arr) if arr.dtype.kind in _NUMERIC_KINDS else data
    if isinstance(data, Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data
