"""``Conv2d``: a learnable 2-D convolution (cross-correlation), via im2col + matmul."""

from __future__ import annotations

import math
from typing import Any

from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from . import init
from ._factory import empty_param, param_dtype
from .functional._utils import pair
from .module import Module, weight_and_bias

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv2d(Module):
    """2-D convolution layer, as ``torch.nn.Conv2d``.

    input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, oh, ow); weight
    (C_out, C_in/groups, kh, kw), bias (C_out,), both initialised as PyTorch's
    (kaiming_uniform_ with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    padding: int, pair, "valid" or "same"; padding_mode: zeros, reflect, replicate or
    circular.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype, device)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string '{padding}', should be one of "
                    "{'same', 'valid'}")
            if padding == "same" and any(s != 1 for s in pair(stride, "stride")):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding")
        self.dilation = pair(dilation, "dilation")
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = empty_param(
            (out_channels, in_channels // groups) + self.kernel_size, dt)
        if bias:
            self.bias = empty_param((out_channels,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from the default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _mode_pad(self) -> list[int]:
        """F.pad widths (left, right, top, bottom) for a non-zeros padding_mode."""
        if self.padding == "valid":
            return [0, 0, 0, 0]
        if self.padding == "same":
            out = []
            for d, k in zip(self.dilation[::-1], self.kernel_size[::-1]):
                tot = d * (k - 1)
                out += [tot // 2, tot - tot // 2]
            return out
        ph, pw = self.padding
        return [pw, pw, ph, ph]

    @override
    def forward(self, input: Tensor) -> Tensor:
        weight, bias = weight_and_bias(self)
        if self.padding_mode != "zeros":
            x = F.pad(input, self._mode_pad(), mode=self.padding_mode)
            return F.conv2d(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)

    @override
    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
