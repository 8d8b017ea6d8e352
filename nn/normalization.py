"""Normalisation layers: LayerNorm, GroupNorm and RMSNorm, as torch.nn's (parameter names,
shapes, initial values and reprs), on ``nn.functional.normalization_more``."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from . import init
from ._factory import param_dtype
from .module import Module
from .parameter import Parameter


def _filled(shape: tuple[int, ...], value: float, dt: np.dtype) -> Parameter:
    return Parameter(np.full(shape, value, dtype=dt))


def _shape(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dims:
    y = (x - mean) / sqrt(var + eps) * weight + bias.

    input (*, *normalized_shape) -> same shape. With ``elementwise_affine``, weight
    (ones) and, if ``bias``, bias (zeros) have shape ``normalized_shape``.
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype, device)
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = _filled(self.normalized_shape, 1.0, dt)
            if bias:
                self.bias = _filled(self.normalized_shape, 0.0, dt)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight back to ones, bias to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    @override
    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise each of ``num_groups`` groups of channels per sample, then per-channel
    weight (ones) and bias (zeros) of shape (num_channels,) when ``affine``.

    input (N, C, *) -> (N, C, *); C = num_channels must be divisible by num_groups.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        dt = param_dtype(dtype, device)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = _filled((num_channels,), 1.0, dt)
            if bias:
                self.bias = _filled((num_channels,), 0.0, dt)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight back to ones, bias to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    @override
    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight over the trailing ``normalized_shape`` dims;
    eps None means the dtype's machine epsilon. weight (ones) of shape normalized_shape
    when ``elementwise_affine``."""

    def __init__(self, normalized_shape: Any, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype, device)
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = _filled(self.normalized_shape, 1.0, dt)
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """weight back to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    @override
    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
