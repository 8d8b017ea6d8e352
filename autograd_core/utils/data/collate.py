"""Turning a list of B samples into one batch, with PyTorch's ``default_collate`` rules.

- Tensors are stacked into one tensor (B, ...); NumPy arrays likewise (dtype kept).
- Python floats become a float64 tensor (B,), ints int64 (class labels), bools bool;
  NumPy scalars keep their dtype.
- Strings are passed through as given; dicts are collated key by key; tuples and lists of fields are
  collated field by field and returned as a list (a namedtuple keeps its type).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...ops import stack
from ...tensor import Tensor

_NUMERIC_KINDS = "biuf"


def _type_error(found: Any) -> TypeError:
    return TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {found}"
    )


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
        arr = np.array(batch)
        if arr.dtype.kind not in _NUMERIC_KINDS:
            raise _type_error(arr.dtype)
        return Tensor._wrap(arr)
    # bool before int: bool is a subclass of int in Python.
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch  # as PyTorch: strings are passed through, not tensors
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # a mapping type that cannot be built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(s) for s in zip(*batch)]
    raise _type_error(type(elem))


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
