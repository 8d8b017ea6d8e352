"""``Tensor.new_*`` factories, ``type_as`` and ``numel``, as PyTorch's.

``x.new_zeros(2, 3)`` makes a new tensor that takes its dtype (and device) from ``x``
unless ``dtype=`` says otherwise; it shares nothing with ``x`` and has no history
(``requires_grad=False`` unless asked). The Tensor methods forward here.
"""

from __future__ import annotations

from typing import Any

from . import creation as _creation
from .tensor import Tensor


def _own_dtype(t: Tensor, dtype: Any) -> Any:
    return t._data.dtype if dtype is None else dtype


def new_zeros(t: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, **kw: Any) -> Tensor:
    """Zeros of ``size`` (``2, 3`` or ``(2, 3)``) in t's dtype unless ``dtype``."""
    return _creation.zeros(*size, dtype=_own_dtype(t, dtype), device=device,
                           requires_grad=requires_grad, **kw)


def new_ones(t: Tensor, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, **kw: Any) -> Tensor:
    """Ones of ``size`` in t's dtype unless ``dtype``."""
    return _creation.ones(*size, dtype=_own_dtype(t, dtype), device=device,
                          requires_grad=requires_grad, **kw)


def new_empty(t: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, **kw: Any) -> Tensor:
    """An "uninitialised" tensor of ``size`` in t's dtype (here: zeros)."""
    return _creation.empty(*size, dtype=_own_dtype(t, dtype), device=device,
                           requires_grad=requires_grad, **kw)


def new_full(t: Tensor, size: Any, fill_value: Any, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """``fill_value`` everywhere, in t's dtype unless ``dtype`` (the value converted as
    ``fill_`` converts it: 2.7 is 2 in an integer tensor). size: a tuple or list."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, "
                        f"not {type(size).__name__}")
    return _creation.full(tuple(size), fill_value, dtype=_own_dtype(t, dtype), device=device,
                          requires_grad=requires_grad, **kw)


def new_tensor(t: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, **kw: Any) -> Tensor:
    """A new leaf holding a copy of ``data`` in t's dtype unless ``dtype`` (floats going
    into an integer dtype are truncated, as in PyTorch). A Tensor ``data`` is copied and
    detached."""
    if isinstance(data, Tensor):
        data = data._data
    return _creation.tensor(data, dtype=_own_dtype(t, dtype), device=device,
                            requires_grad=requires_grad, **kw)


def type_as(t: Tensor, other: Tensor) -> Tensor:
    """t converted to other's dtype (t itself when they already agree); differentiable."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")
    return t.to(other._data.dtype)


def numel(input: Tensor) -> int:  # noqa: A002 - PyTorch's argument name
    """The number of elements of ``input`` (1 for a 0-d tensor)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return int(input._data.size)
