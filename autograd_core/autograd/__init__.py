"""``torch.autograd`` for this engine: ``import autograd_core as torch`` then
``torch.autograd.grad(...)``, ``torch.autograd.backward(...)``, ``torch.autograd.gradcheck``,
anomaly detection and the grad-mode switches, all the engine's own functions under
PyTorch's names.

``Function`` here is PyTorch's form (user ops written as forward/backward on Tensors,
with ``ctx.save_for_backward``; autograd_core/autograd_function.py), built on the
engine's array-level ``autograd_core.Function``.
"""

from __future__ import annotations

from typing import Any

from ..anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from ..autograd_function import Function, FunctionCtx, once_differentiable
from ..engine import backward, grad
from ..grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from ..gradcheck import GradcheckError, gradcheck
from ..inference_mode import inference_mode, is_inference_mode_enabled
from ..tensor import Tensor
from . import function  # torch.autograd.function

__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly",
    "enable_grad", "grad", "gradcheck", "inference_mode", "is_anomaly_enabled",
    "is_grad_enabled", "is_inference_mode_enabled", "no_grad", "once_differentiable",
    "set_detect_anomaly", "set_grad_enabled",
]


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """PyTorch's pre-0.4 wrapper, kept there as a function returning a Tensor: here too,
    ``data`` itself (a Tensor, detached) with ``requires_grad`` set."""
    t = data.detach() if isinstance(data, Tensor) else Tensor(data)
    return t.requires_grad_(requires_grad) if requires_grad else t
