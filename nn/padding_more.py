"""Padding layers, as torch.nn's: ZeroPad1d/2d/3d, ConstantPad1d/2d/3d, ReflectionPad1d/2d,
ReplicationPad1d/2d and CircularPad1d/2d, each a fixed call of ``nn.functional.pad``.

``padding``: an int (the same on every side) or a tuple (left, right[, top, bottom
[, front, back]]), the last dimension first, as in F.pad. Negative constant padding
crops. (Reflection/replication/circular padding of three dimensions is not provided:
F.pad pads the last one or two dimensions in those modes.)
"""

from __future__ import annotations

from typing import Any

from autograd_core import Tensor

from . import functional as F
from .module import Module


def _widths(padding: Any, n: int) -> tuple[int, ...]:
    if isinstance(padding, (tuple, list)):
        return tuple(padding)
    return (padding,) * (2 * n)


class _Pad(Module):
    _dims = 2
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _widths(padding, self._dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, list(self.padding), mode=self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, list(self.padding), mode="constant", value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dim of (N, C, W) or (C, W) with ``value``."""

    _dims = 1


class ConstantPad2d(_ConstantPad):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) with ``value``."""

    _dims = 2


class ConstantPad3d(_ConstantPad):
    """Pad the last three dims of (N, C, D, H, W) or (C, D, H, W) with ``value``."""

    _dims = 3


class _ZeroPad(_ConstantPad):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad):
    """Pad the last dim with zeros."""

    _dims = 1


class ZeroPad2d(_ZeroPad):
    """Pad the last two dims with zeros: (N, C, H, W) -> (N, C, H + top + bottom,
    W + left + right)."""

    _dims = 2


class ZeroPad3d(_ZeroPad):
    """Pad the last three dims with zeros."""

    _dims = 3


class ReflectionPad1d(_Pad):
    """Mirror the last dim about its edge values (edges not repeated)."""

    _dims = 1
    _mode = "reflect"


class ReflectionPad2d(_Pad):
    """Mirror the last two dims about their edge values (edges not repeated)."""

    _dims = 2
    _mode = "reflect"


class ReplicationPad1d(_Pad):
    """Repeat the edge values of the last dim."""

    _dims = 1
    _mode = "replicate"


class ReplicationPad2d(_Pad):
    """Repeat the edge values of the last two dims."""

    _dims = 2
    _mode = "replicate"


class CircularPad1d(_Pad):
    """Wrap the last dim around (periodic padding)."""

    _dims = 1
    _mode = "circular"


class CircularPad2d(_Pad):
    """Wrap the last two dims around (periodic padding)."""

    _dims = 2
    _mode = "circular"
