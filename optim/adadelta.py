"""``Adadelta``: steps sized by running averages of squared gradients and squared steps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core.version import mark_modified

from ._flags import _check_kernel_flags, _check_lr
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, rho = ``rho``, lambda = ``weight_decay``; all products elementwise and
    every buffer of W's shape, starting at zero::

        g <- g + lambda W
        v <- rho v + (1 - rho) g * g                       (square_avg)
        d  = sqrt(u + eps) / sqrt(v + eps) * g             (the step, in W's units)
        u <- rho u + (1 - rho) d * d                       (acc_delta)
        W <- W - eta d

    The ratio of the two root-mean-squares gives every coordinate its own step size, so
    the rule needs no learning rate in the paper; eta (1.0 by default) only rescales it.

    Args:
        params: Tensors or parameter groups (see ``Optimizer``). lr: eta >= 0 (1.0).
        rho: decay of both averages, in [0, 1] (0.9). eps: > 0 keeps the first steps
        finite (1e-6). weight_decay: lambda >= 0. foreach: accepted, changes nothing (see
        ``optim._flags``). maximize: ascend the loss. capturable, differentiable: must be
        False (this engine runs on CPU and its steps record no graph).

    State per parameter: ``step`` (int), ``square_avg`` (v), ``acc_delta`` (u).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr("Adadelta", lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        _check_kernel_flags("Adadelta", defaults)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            _check_kernel_flags("Adadelta", group)
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p, grad in self._grads(group):
                w = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(w)
                    state["acc_delta"] = np.zeros_like(w)
                state["step"] += 1
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * w
                v, u = state["square_avg"], state["acc_delta"]
                v *= rho
                v += (1 - rho) * grad * grad
                delta = np.sqrt(u + eps)
                delta /= np.sqrt(v + eps)
                delta *= grad
                u *= rho
                u += (1 - rho) * delta * delta
                w += -lr * delta
                mark_modified(p)  # the step wrote into p in place
        return loss
