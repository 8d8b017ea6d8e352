"""``NAdam``: Adam with Nesterov momentum and a warming-up momentum schedule."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd_core
from autograd_core import dtypes
from autograd_core.version import mark_modified

from ._flags import _check_kernel_flags, _check_lr
from .adam import _check_adam_args
from .optimizer import Optimizer, _lerp_

__all__ = ["NAdam"]


def _scalar_dtype() -> type[np.floating]:
    """The dtype PyTorch keeps NAdam's ``mu_product`` in: float64 under a float64 default
    dtype, float32 otherwise.

    PyTorch stores the running product as a 0-d tensor of that dtype, so under the usual
    float32 default it is rounded to float32 after every multiplication; the rounding
    reaches the update through 1 / (1 - mu_product), so it must be repeated to match.
    """
    get = getattr(autograd_core, "get_default_dtype", None)
    default = get() if get is not None else dtypes.DEFAULT_FLOAT
    return np.float64 if np.dtype(default) == np.float64 else np.float32


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam`` (NAdamW with ``decoupled_weight_decay=True``).

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, (beta1, beta2) = ``betas``, lambda = ``weight_decay``,
    psi = ``momentum_decay``, at step t = 1, 2, ...; products elementwise::

        g <- g + lambda W                  (decoupled: W <- W (1 - eta lambda) instead)
        mu_t = beta1 (1 - 0.96^(t psi) / 2)          (momentum, warming up towards beta1)
        P_t  = mu_1 mu_2 ... mu_t                    (mu_product)
        m <- beta1 m + (1 - beta1) g                 (exp_avg)
        v <- beta2 v + (1 - beta2) g * g             (exp_avg_sq)
        d  = sqrt(v / (1 - beta2^t)) + eps
        W <- W - eta (1 - mu_t) / (1 - P_t) g / d
               - eta mu_{t+1} / (1 - P_t mu_{t+1}) m / d

    The second line is Nesterov's look-ahead: the momentum term uses next step's mu.
    P_t is kept in PyTorch's scalar dtype (float32 unless the default dtype is float64,
    read at each step), rounded as PyTorch rounds it.

    Args:
        params: Tensors or parameter groups. lr: eta >= 0 (2e-3). betas: each in [0, 1).
        eps >= 0. weight_decay: lambda >= 0. momentum_decay: psi >= 0 (4e-3).
        decoupled_weight_decay: decay W directly (NAdamW). foreach: accepted, changes
        nothing. maximize: ascend the loss. capturable, differentiable: must be False.

    State per parameter: ``step`` (int t), ``mu_product`` (float P_t), ``exp_avg`` (m),
    ``exp_avg_sq`` (v).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr("NAdam", lr)
        betas = tuple(betas)
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        _check_kernel_flags("NAdam", defaults)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        scalar = _scalar_dtype()
        for group in self.param_groups:
            _check_kernel_flags("NAdam", group)
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd, psi = group["eps"], group["weight_decay"], group["momentum_decay"]
            for p, grad in self._grads(group):
                w = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["mu_product"] = 1.0
                    state["exp_avg"] = np.zeros_like(w)
                    state["exp_avg_sq"] = np.zeros_like(w)
                state["step"] += 1
                t = state["step"]
                if group["maximize"]:
                    grad = -grad
                bias_correction2 = 1 - beta2**t
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        w *= 1 - lr * wd
                    else:
                        grad = grad + wd * w
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
                # Both factors rounded to the scalar dtype, then multiplied in it (as a
                # 0-d float32 tensor times a Python float is in PyTorch).
                mu_product = float(scalar(state["mu_product"]) * scalar(mu))
                state["mu_product"] = mu_product
                mu_product_next = mu_product * mu_next

                m, v = state["exp_avg"], state["exp_avg_sq"]
                _lerp_(m, grad, 1 - beta1)
                v *= beta2
                v += (1 - beta2) * grad * grad
                denom = np.sqrt(v / bias_correction2)
                denom += eps
                w += ((-lr * (1.0 - mu) / (1.0 - mu_product)) * grad) / denom
                w += (((-lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
                mark_modified(p)  # the step wrote into p in place
        return loss
