"""Channel-wise dropout layers: Dropout1d, Dropout2d, Dropout3d (see
``nn.functional.dropout_more``). In eval mode each is the identity."""

from __future__ import annotations

from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    @override
    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) with probability p while training,
    scaling the rest by 1/(1-p)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) with probability p while
    training, scaling the rest by 1/(1-p)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p while
    training, scaling the rest by 1/(1-p)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training)
