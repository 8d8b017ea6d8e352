"""Adaptive pooling layers: AdaptiveAvgPool1d/2d and AdaptiveMaxPool1d/2d, as torch.nn's.
The input is split into ``output_size`` cells of (nearly) equal size, whatever its own
size; see ``nn.functional.pooling_more``."""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from .module import Module


class _AdaptivePool(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    @override
    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """(N, C, H, W) or (C, H, W) -> (N, C, oh, ow): each output the mean of its cell.
    output_size: int or pair; None in it keeps that input size."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """(N, C, L) or (C, L) -> (N, C, o): each output the mean of its cell."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """(N, C, H, W) or (C, H, W) -> (N, C, oh, ow): each output the max of its cell;
    ``return_indices`` also returns the flat (h * W + w) int64 index of each max."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    @override
    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """(N, C, L) or (C, L) -> (N, C, o): each output the max of its cell."""

    @override
    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)
