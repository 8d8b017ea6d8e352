"""Questions about tensors and dtypes, as PyTorch asks them: ``is_tensor``,
``is_floating_point``, ``is_complex``, ``result_type``."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .dtypes import np_dtype_of as _npdt
from .tensor import Tensor


def is_tensor(obj: Any) -> bool:
    """True when ``obj`` is a Tensor (a Parameter included)."""
    return isinstance(obj, Tensor)


def _input(name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def is_floating_point(input: Tensor) -> bool:  # noqa: A002 - PyTorch's argument name
    """True when ``input``'s dtype is float16, bfloat16, float32 or float64."""
    return _dt.is_float(_npdt(_input("is_floating_point", input)))


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """False: there are no complex dtypes here."""
    _input("is_complex", input)
    return False


def _is_number(x: Any) -> bool:
    return isinstance(x, (bool, int, float, np.bool_, np.integer, np.floating))


def result_type(tensor1: Any, tensor2: Any) -> _dt.dtype:
    """The dtype an arithmetic op on ``tensor1`` and ``tensor2`` (Tensors or Python
    numbers) returns, by PyTorch's promotion: categories bool < integer < floating; a
    number or a 0-d tensor only raises the category of a tensor with dimensions."""
    for x in (tensor1, tensor2):
        if not isinstance(x, Tensor) and not _is_number(x):
            raise TypeError(
                "result_type() received an invalid combination of arguments - got "
                f"({type(tensor1).__name__}, {type(tensor2).__name__}), but expected "
                "Tensors or Numbers")
    t1, t2 = isinstance(tensor1, Tensor), isinstance(tensor2, Tensor)
    if t1 and t2:
        a, b = _npdt(tensor1), _npdt(tensor2)
        return _dt.wrap(_dt.promote(a, tensor1.ndim, b, tensor2.ndim))
    if t1 or t2:
        t, n = (tensor1, tensor2) if t1 else (tensor2, tensor1)
        return _dt.wrap(_dt.promote_scalar(_npdt(t), n))
    cat = max(_dt.scalar_category(_py(tensor1)), _dt.scalar_category(_py(tensor2)))
    return _dt.wrap((np.dtype(np.bool_), np.dtype(np.int64), _dt.DEFAULT_FLOAT)[cat])


def _py(x: Any) -> Any:
    """A NumPy scalar as the Python number of its kind (for the category rules)."""
    return x.item() if isinstance(x, np.generic) else x
