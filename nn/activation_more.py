"""More activation layers: GELU, SiLU, Mish, ELU, SELU, CELU, Softplus, Hardtanh, ReLU6,
PReLU, Hardsigmoid, Hardswish, LogSigmoid, Softsign, Tanhshrink, Softshrink, Hardshrink,
Threshold, GLU, Softmin. Each keeps the input's shape (GLU halves one dimension); the
formulas are in ``nn.functional.activation_more``. Reprs are PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Tensor

from . import functional as F
from . import init as _init
from ._factory import param_dtype
from .module import Module
from .parameter import Parameter


def _inplace(flag: bool, first: bool = False) -> str:
    if not flag:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _InplaceOnly(Module):
    """A parameter-free activation whose only option is ``inplace`` (accepted; a new
    tensor is returned)."""

    _fn: Any = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    @override
    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input)

    @override
    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class GELU(Module):
    """x * Phi(x); ``approximate``: "none" (exact, via erf) or "tanh". (*) -> (*)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    @override
    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_InplaceOnly):
    """x * sigmoid(x). (*) -> (*)."""

    _fn = staticmethod(F.silu)


class Mish(_InplaceOnly):
    """x * tanh(softplus(x)). (*) -> (*)."""

    _fn = staticmethod(F.mish)


class SELU(_InplaceOnly):
    """scale * elu(x, alpha) with the self-normalising constants. (*) -> (*)."""

    _fn = staticmethod(F.selu)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6. (*) -> (*)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input)


class Hardswish(Hardsigmoid):
    """x * relu6(x + 3) / 6. (*) -> (*)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input)


class ELU(Module):
    """x if x > 0 else alpha (e^x - 1). (*) -> (*)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    @override
    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace(self.inplace)


class CELU(ELU):
    """x if x > 0 else alpha (e^(x/alpha) - 1). (*) -> (*)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear above ``threshold`` (in beta x). (*) -> (*)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    @override
    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clamped to [min_val, max_val]. (*) -> (*)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None or max_value is not None:
            import warnings
            warnings.warn("keyword argument `min_value` is deprecated and rename to "
                          "`min_val`", FutureWarning, stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise AssertionError(
                f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    @override
    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace(self.inplace)


class ReLU6(Hardtanh):
    """min(max(x, 0), 6). (*) -> (*)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    @override
    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class PReLU(Module):
    """x if x > 0 else a * x, with ``num_parameters`` learnable slopes ``weight``
    (1: one shared slope; else one per channel, dim 1), initialised to ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.empty((num_parameters,), dtype=param_dtype(dtype, device)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        _init.constant_(self.weight, self.init)

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    @override
    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class LogSigmoid(Module):
    """log(sigmoid(x)). (*) -> (*)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|). (*) -> (*)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x). (*) -> (*)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Softshrink(Module):
    """Shrink towards 0 by ``lambd``, 0 inside [-lambd, lambd]. (*) -> (*)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    @override
    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0. (*) -> (*)."""

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """x where x > threshold, else ``value``. (*) -> (*)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value)

    @override
    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + _inplace(self.inplace)


class GLU(Module):
    """First half of ``dim`` times the sigmoid of the second half. (*, 2n, *) -> (*, n, *)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    @override
    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along ``dim``. (*) -> (*)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim, _stacklevel=5)

    @override
    def extra_repr(self) -> str:
        return f"dim={self.dim}"
