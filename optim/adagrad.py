"""``Adagrad``: per-coordinate learning rates from the running sum of squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core.version import mark_modified

from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, lambda = ``weight_decay``, at step t = 1, 2, ...::

        g <- g + lambda W
        eta_t = eta / (1 + (t - 1) lr_decay)
        s <- s + g * g                   (s starts at initial_accumulator_value)
        W <- W - eta_t g / (sqrt(s) + eps)

    All products are elementwise: a coordinate that has seen large gradients takes small
    steps. This is the notebooks' ``r <- r + g^2, W <- W - eta g / (sqrt(r) + eps)``;
    the sum is called ``sum`` in the state, as in PyTorch.

    Args:
        params: Tensors or parameter groups. lr: eta >= 0. lr_decay >= 0.
        weight_decay: lambda >= 0. initial_accumulator_value >= 0: the value s starts at.
        eps >= 0: added to sqrt(s) (default 1e-10). maximize: ascend the loss.

    State per parameter (made for every parameter at construction, as PyTorch does):
    ``step`` (int t), ``sum`` (s, W's shape). Every s starts at the constructor's
    ``initial_accumulator_value``, also for groups that give their own (PyTorch's rule).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        # As in PyTorch, every accumulator starts at the constructor's value: a group's own
        # initial_accumulator_value is kept in the group but not used.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Any, value: float) -> None:
        state = self.state[p]
        state["step"] = 0
        state["sum"] = np.full_like(p._data, value)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            for p, grad in self._grads(group):
                state = self.state[p]
                if len(state) == 0:
                    # A parameter added later by add_param_group: PyTorch starts its sum at
                    # the optimizer's default initial_accumulator_value.
                    self._init_state(p, self.defaults["initial_accumulator_value"])
                w = p._data
                state["step"] += 1
                t = state["step"]
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * w
                clr = lr / (1 + (t - 1) * group["lr_decay"])
                s = state["sum"]
                s += grad * grad
                std = np.sqrt(s)
                std += eps
                w += (-clr * grad) / std
                mark_modified(p)  # the step wrote into p in place
        return loss
