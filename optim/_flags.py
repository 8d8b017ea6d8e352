"""Checks shared by the optimizers that take PyTorch's kernel switches.

``torch.optim``'s Adadelta, Adamax, NAdam and RAdam take ``foreach``, ``capturable`` and
``differentiable``. They choose how PyTorch runs the update, not what the update is:

- ``foreach`` picks PyTorch's multi-tensor kernels. The update is the same rule with the
  float operations grouped differently, so here it is accepted (None, False or True) and
  changes nothing: results stay within rounding of PyTorch's with either setting.
- ``capturable=True`` keeps the step count on the GPU for CUDA-graph capture; PyTorch
  itself refuses it for CPU parameters, and this engine runs on CPU.
- ``differentiable=True`` records the step in the autograd graph (to differentiate
  through the optimizer); steps here write the NumPy arrays without recording anything.

The two that cannot be honoured raise a ValueError that says why, rather than being
ignored: a silently non-differentiable step would give wrong meta-gradients.
"""

from __future__ import annotations

from typing import Any

from autograd_core import Tensor

__all__: list[str] = []


def _check_lr(name: str, lr: Any) -> None:
    """Refuse a Tensor learning rate (PyTorch's is for capturable/compiled steps)."""
    if isinstance(lr, Tensor):
        raise TypeError(
            f"{name}: a Tensor lr is not supported (PyTorch uses one for capturable or "
            "compiled steps); pass a Python float, e.g. lr=float(lr)"
        )


def _check_kernel_flags(name: str, options: dict[str, Any]) -> None:
    """Raise ValueError when a group (or the defaults) asks for capturable/differentiable.

    options: a dict with the keys ``foreach``, ``capturable`` and ``differentiable`` (an
    optimizer's defaults or one of its param groups); missing keys count as off.
    """
    foreach = options.get("foreach")
    if foreach not in (None, False, True):
        raise TypeError(f"{name}: foreach must be None or a bool, got {foreach!r}")
    if options.get("capturable", False):
        raise ValueError(
            f"{name}: capturable=True is for CUDA graph capture and needs the parameters "
            "on a GPU; this engine runs on CPU (PyTorch also refuses capturable=True for "
            "CPU parameters). Pass capturable=False."
        )
    if options.get("differentiable", False):
        raise ValueError(
            f"{name}: differentiable=True (autograd through the optimizer step) is not "
            "supported: optimizer steps here update the parameters' arrays in place "
            "without recording a graph. Pass differentiable=False."
        )
