"""``Adamax``: Adam with the running maximum of |g| in place of the root mean square."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core.version import mark_modified

from ._flags import _check_kernel_flags, _check_lr
from .adam import _check_adam_args
from .optimizer import Optimizer, _lerp_

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Adam under the infinity norm), as ``torch.optim.Adamax``.

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, (beta1, beta2) = ``betas``, lambda = ``weight_decay``, at step
    t = 1, 2, ...; all products elementwise, buffers of W's shape starting at zero::

        g <- g + lambda W
        m <- beta1 m + (1 - beta1) g             (exp_avg)
        u <- max(beta2 u, |g| + eps)             (exp_inf: a decaying maximum of |g|)
        W <- W - eta / (1 - beta1^t) * m / u

    u needs no bias correction: a maximum does not start biased towards zero the way an
    average does. eps sits inside the maximum, so u is never below eps.

    Args:
        params: Tensors or parameter groups. lr: eta >= 0 (2e-3). betas: each in [0, 1).
        eps >= 0. weight_decay: lambda >= 0. foreach: accepted, changes nothing.
        maximize: ascend the loss. differentiable, capturable: must be False.

    State per parameter: ``step`` (int t), ``exp_avg`` (m), ``exp_inf`` (u).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr("Adamax", lr)
        betas = tuple(betas)
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        _check_kernel_flags("Adamax", defaults)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            _check_kernel_flags("Adamax", group)
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p, grad in self._grads(group):
                w = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(w)
                    state["exp_inf"] = np.zeros_like(w)
                state["step"] += 1
                t = state["step"]
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * w
                m, u = state["exp_avg"], state["exp_inf"]
                _lerp_(m, grad, 1 - beta1)
                u *= beta2
                np.maximum(u, np.abs(grad) + eps, out=u)
                clr = lr / (1 - beta1**t)
                w += (-clr * m) / u
                mark_modified(p)  # the step wrote into p in place
        return loss
