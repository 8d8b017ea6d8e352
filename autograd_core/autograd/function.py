"""``torch.autograd.function`` for this engine: the PyTorch-form ``Function``, its
``ctx`` class and ``once_differentiable`` (defined in ``autograd_core.autograd_function``).
"""

from ..autograd_function import Function, FunctionCtx, once_differentiable

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
