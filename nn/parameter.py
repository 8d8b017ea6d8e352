"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core.version import share_version


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered when assigned to
    a ``Module`` attribute.

    ``Parameter(data=None, requires_grad=True)``: ``data`` is a Tensor or ndarray whose
    array is shared, not copied, as ``torch.nn.Parameter`` shares its storage; anything
    else (a list, a number) is converted. ``None`` gives an empty float32 tensor.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = Tensor(data)._data
        Tensor.__init__(self, arr, requires_grad=requires_grad)
        # Tensor.__init__ copies; a Parameter wraps the caller's array itself.
        self._data = arr
        if isinstance(data, Tensor):
            share_version(data, self)  # an alias: writes through either are counted

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self._data, self.requires_grad, self.grad))

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        # order="K": a copy keeps the memory layout (nn.Linear weights are column-major).
        out = Parameter(self._data.copy(order="K"), self.requires_grad)
        memo[id(self)] = out
        if self.grad is not None:
            out.grad = Tensor._wrap(self.grad._data.copy(order="K"))
        return out


def _rebuild_parameter(data: np.ndarray, requires_grad: bool, grad: Any) -> Parameter:
    p = Parameter(data, requires_grad)
    p.grad = grad
    return p
