"""``Conv1d``, ``ConvTranspose1d`` and ``ConvTranspose2d`` layers, as torch.nn's: the same
constructor arguments, parameter shapes, initial distributions and reprs."""

from __future__ import annotations

import math
from typing import Any

from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from . import init
from ._factory import empty_param, param_dtype
from .functional._utils import pair
from .functional.conv_more import _single
from .module import Module, weight_and_bias

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _check_conv_args(in_channels: int, out_channels: int, groups: int) -> None:
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")


class _ConvBase(Module):
    """Shared parameter set-up: weight of ``weight_shape``, optional bias (C_out,), both
    drawn as PyTorch draws them (kaiming_uniform_ with a = sqrt(5); bias
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in from the weight's dims 1 and up)."""

    def _make_params(self, weight_shape: tuple[int, ...], bias: bool, dtype: Any,
                     device: Any) -> None:
        dt = param_dtype(dtype, device)
        self.weight = empty_param(weight_shape, dt)
        if bias:
            self.bias = empty_param((self.out_channels,), dt)
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

    @override
    def extra_repr(self) -> str:
        nd = len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if getattr(self, "output_padding", (0,) * nd) != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvBase):
    """1-D convolution layer, as ``torch.nn.Conv1d``.

    input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out); weight
    (C_out, C_in/groups, k), bias (C_out,). padding: int, 1-tuple, "valid" or "same";
    padding_mode: zeros, reflect, replicate or circular.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        _check_conv_args(in_channels, out_channels, groups)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = (_single(kernel_size, "kernel_size", "Conv1d"),)
        self.stride = (_single(stride, "stride", "Conv1d"),)
        self.dilation = (_single(dilation, "dilation", "Conv1d"),)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string '{padding}', should be one of "
                    "{'valid', 'same'}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = (_single(padding, "padding", "Conv1d"),)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'")
        self.groups = groups
        self.padding_mode = padding_mode
        self._make_params((out_channels, in_channels // groups) + self.kernel_size, bias,
                          dtype, device)

    def _mode_pad(self) -> list[int]:
        if self.padding == "valid":
            return [0, 0]
        if self.padding == "same":
            tot = self.dilation[0] * (self.kernel_size[0] - 1)
            return [tot // 2, tot - tot // 2]
        return [self.padding[0], self.padding[0]]

    @override
    def forward(self, input: Tensor) -> Tensor:
        weight, bias = weight_and_bias(self)
        if self.padding_mode != "zeros":
            x = F.pad(input, self._mode_pad(), mode=self.padding_mode)
            return F.conv1d(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return F.conv1d(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)


class _ConvTransposeBase(_ConvBase):
    """Argument handling shared by the transposed convolutions (padding_mode "zeros"
    only, as PyTorch)."""

    _nd = 2

    def _setup(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
               padding: Any, output_padding: Any, groups: int, bias: bool, dilation: Any,
               padding_mode: str, device: Any, dtype: Any) -> None:
        _check_conv_args(in_channels, out_channels, groups)
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {type(self).__name__}')
        name = type(self).__name__

        def tup(v: Any, what: str) -> tuple[int, ...]:
            if self._nd == 1:
                return (_single(v, what, name),)
            return pair(v, what, name)

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = tup(kernel_size, "kernel_size")
        self.stride = tup(stride, "stride")
        self.padding = tup(padding, "padding")
        self.output_padding = tup(output_padding, "output_padding")
        self.dilation = tup(dilation, "dilation")
        self.groups = groups
        self.padding_mode = padding_mode
        self._make_params((in_channels, out_channels // groups) + self.kernel_size, bias,
                          dtype, device)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        """The output_padding that gives ``output_size`` (its last dims), checked to be
        reachable, as PyTorch's ConvTranspose*.forward(input, output_size)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        size = [int(s) for s in output_size]
        if len(size) == nd + 2 or (len(size) == nd + 1 and input.ndim == nd + 1):
            size = size[-nd:]
        if len(size) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must have {nd} "
                f"or {nd + 2} elements (got {len(output_size)})")
        spatial = input.shape[-nd:]
        lo, hi = [], []
        for a in range(nd):
            m = ((spatial[a] - 1) * self.stride[a] - 2 * self.padding[a]
                 + self.dilation[a] * (self.kernel_size[a] - 1) + 1)
            lo.append(m)
            hi.append(m + self.stride[a] - 1)
        for a in range(nd):
            if not lo[a] <= size[a] <= hi[a]:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from {lo} "
                    f"to {hi} (for an input of torch.Size({list(spatial)}))")
        return tuple(size[a] - lo[a] for a in range(nd))


class ConvTranspose2d(_ConvTransposeBase):
    """2-D transposed convolution layer, as ``torch.nn.ConvTranspose2d``.

    input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1;
    weight (C_in, C_out/groups, kh, kw), bias (C_out,). ``forward(input, output_size)``
    picks output_padding to reach ``output_size``.
    """

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                 groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                    groups, bias, dilation, padding_mode, device, dtype)

    @override
    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        weight, bias = weight_and_bias(self)
        return F.conv_transpose2d(input, weight, bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)


class ConvTranspose1d(_ConvTransposeBase):
    """1-D transposed convolution layer, as ``torch.nn.ConvTranspose1d``.

    input (N, C_in, L) or (C_in, L) -> (N, C_out, L_out); weight
    (C_in, C_out/groups, k), bias (C_out,).
    """

    _nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                 groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                    groups, bias, dilation, padding_mode, device, dtype)

    @override
    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        weight, bias = weight_and_bias(self)
        return F.conv_transpose1d(input, weight, bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
