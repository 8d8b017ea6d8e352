"""``Dropout``."""

from __future__ import annotations

from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from .module import Module


class Dropout(Module):
    """While training, zero each element with probability p and scale the rest by
    1/(1-p); in eval mode, the identity. (*) -> (*)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    @override
    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
