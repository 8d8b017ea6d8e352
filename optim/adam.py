"""``Adam``: momentum on the gradient plus RMSprop scaling, with bias correction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core.version import mark_modified

from .optimizer import Optimizer, _lerp_

__all__ = ["Adam"]


def _check_adam_args(lr: float, betas: tuple[float, float], eps: float, wd: float) -> None:
    """Raise ValueError, in PyTorch's words, for a hyper-parameter out of range."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= wd:
        raise ValueError(f"Invalid weight_decay value: {wd}")


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (and AdamW with ``decoupled_weight_decay=True``).

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, (beta1, beta2) = ``betas``, lambda = ``weight_decay``, at step
    t = 1, 2, ...; all products elementwise::

        g <- g + lambda W                    (decoupled: W <- W - eta lambda W instead)
        m <- beta1 m + (1 - beta1) g         (exp_avg: momentum on the gradient)
        v <- beta2 v + (1 - beta2) g * g     (exp_avg_sq: RMSprop's running square)
        amsgrad:   v_max <- max(v_max, v), and v_max replaces v below
        W <- W - eta / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    In the notebooks' notation this is momentum ``m`` (without eta inside it) and
    RMSprop's ``r`` = v, each divided by (1 - beta^t) to undo their start at zero:
    ``W <- W - eta m_hat / (sqrt(v_hat) + eps)`` with m_hat = m / (1 - beta1^t) and
    v_hat = v / (1 - beta2^t); the line above is that rule in the order PyTorch rounds it.

    Args:
        params: Tensors or parameter groups. lr: eta >= 0. betas: each in [0, 1).
        eps >= 0. weight_decay: lambda >= 0. amsgrad: use the running maximum of v.
        maximize: ascend the loss. decoupled_weight_decay: decay W directly (AdamW).

    State per parameter: ``step`` (int t), ``exp_avg`` (m), ``exp_avg_sq`` (v),
    ``max_exp_avg_sq`` (v_max, with amsgrad); arrays of W's shape.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        betas = tuple(betas)
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, wd, amsgrad = group["eps"], group["weight_decay"], group["amsgrad"]
            for p, grad in self._grads(group):
                w = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(w)
                    state["exp_avg_sq"] = np.zeros_like(w)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(w)
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

                step_size = lr / (1 - beta1**t)
                bias_correction2_sqrt = (1 - beta2**t) ** 0.5
                if amsgrad:
                    v_max = state["max_exp_avg_sq"]
                    np.maximum(v_max, v, out=v_max)
                    denom = np.sqrt(v_max)
                else:
                    denom = np.sqrt(v)
                denom /= bias_correction2_sqrt
                denom += eps
                w += (-step_size * m) / denom
                mark_modified(p)  # the step wrote into p in place
        return loss
