"""``Linear`` (y = x W^T + b) and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from . import init
from ._factory import empty_param, param_dtype
from .module import Module, weight_and_bias


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    @override
    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """y = x W^T + b. input (*, in_features) -> (*, out_features).

    weight (out_features, in_features) and bias (out_features,) start as PyTorch's:
    U(-1/sqrt(in_features), 1/sqrt(in_features)) (kaiming_uniform_ with a = sqrt(5)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype, device)
        self.in_features = in_features
        self.out_features = out_features
        # Shape (out, in) as in PyTorch, stored column-major: W^T is then a C-ordered
        # (in, out) matrix, so x @ W^T is the plain GEMM BLAS runs fastest (about 15%
        # faster than with W row-major for 784->256), and delta_W = (x^T delta)^T comes
        # out in this same layout, which keeps the optimizer's update streaming.
        self.weight = empty_param((out_features, in_features), dt, order="F")
        if bias:
            self.bias = empty_param((out_features,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from the default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    @override
    def forward(self, input: Tensor) -> Tensor:
        weight, bias = weight_and_bias(self)
        return F.linear(input, weight, bias)

    @override
    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
