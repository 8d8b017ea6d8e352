"""``RAdam``: Adam whose adaptive step is switched on only once its variance is tame."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core.version import mark_modified

from ._flags import _check_kernel_flags, _check_lr
from .adam import _check_adam_args
from .optimizer import Optimizer, _lerp_

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """Rectified Adam, as ``torch.optim.RAdam``.

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, (beta1, beta2) = ``betas``, lambda = ``weight_decay``, at step
    t = 1, 2, ...; products elementwise, buffers of W's shape starting at zero::

        g <- g + lambda W                  (decoupled: W <- W (1 - eta lambda) instead)
        m <- beta1 m + (1 - beta1) g                 (exp_avg)
        v <- beta2 v + (1 - beta2) g * g             (exp_avg_sq)
        m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    W <- W - eta m_hat sqrt(1 - beta2^t) / (sqrt(v) + eps) r
        otherwise:  W <- W - eta m_hat                (plain momentum SGD)

    rho_t estimates how many gradients v effectively averages; while it is small the
    variance of the adaptive factor is too large to trust, so the first steps (about
    5 with beta2 = 0.999) skip it; r then rescales the adaptive step towards Adam's.

    Args:
        params: Tensors or parameter groups. lr: eta >= 0 (1e-3). betas: each in [0, 1).
        eps >= 0. weight_decay: lambda >= 0. decoupled_weight_decay: decay W directly
        (RAdamW). foreach: accepted, changes nothing. maximize: ascend the loss.
        capturable, differentiable: must be False.

    State per parameter: ``step`` (int t), ``exp_avg`` (m), ``exp_avg_sq`` (v).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr("RAdam", lr)
        betas = tuple(betas)
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        _check_kernel_flags("RAdam", defaults)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            _check_kernel_flags("RAdam", group)
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p, grad in self._grads(group):
                w = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(w)
                    state["exp_avg_sq"] = np.zeros_like(w)
                state["step"] += 1
                t = state["step"]
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        w *= 1 - lr * wd
                    else:
                        grad = grad + wd * w
                m, v = state["exp_avg"], state["exp_avg_sq"]
                _lerp_(m, grad, 1 - beta1)
                v *= beta2
                v += (1 - beta2) * grad * grad

                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                update = (m / bias_correction1) * lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
                if rho_t > 5.0:
                    rect = (
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5
                    root = np.sqrt(v)
                    root += eps
                    update *= bias_correction2**0.5 / root
                    update *= rect
                w -= update
                mark_modified(p)  # the step wrote into p in place
        return loss
