"""``RMSprop``: steps scaled by a running average of squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd_core.version import mark_modified

from .optimizer import Optimizer, _lerp_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    For each parameter W with weight gradient g = dL/dW (g = -dL/dW when ``maximize``),
    eta = ``lr``, rho = ``alpha`` (the decay rate), mu = ``momentum``,
    lambda = ``weight_decay``; all products elementwise::

        g <- g + lambda W
        r <- rho r + (1 - rho) g * g                (r = square_avg, starts at 0)
        centered:  m <- rho m + (1 - rho) g         (m = grad_avg, starts at 0)
                   d = sqrt(r - m * m) + eps        (an estimate of the gradient's std)
        otherwise: d = sqrt(r) + eps
        mu = 0:    W <- W - eta g / d
        mu > 0:    b <- mu b + g / d,   W <- W - eta b

    The notebooks' form is ``r <- rho r + (1 - rho) g^2, W <- W - eta g / (sqrt(r) + eps)``
    (the uncentered rule with mu = 0). Note PyTorch's ``alpha`` is this decay rate rho,
    not a learning rate.

    Args:
        params: Tensors or parameter groups. lr: eta >= 0. alpha: rho >= 0.
        eps >= 0. weight_decay: lambda >= 0. momentum: mu >= 0. centered: divide by the
        gradient's estimated standard deviation instead of its root mean square.
        maximize: ascend the loss.

    State per parameter: ``step`` (int), ``square_avg`` (r), ``momentum_buffer`` (b, when
    mu > 0), ``grad_avg`` (m, when centered); arrays of W's shape.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["alpha"], group["eps"]
            wd, mu, centered = group["weight_decay"], group["momentum"], group["centered"]
            for p, grad in self._grads(group):
                w = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(w)
                    if mu > 0:
                        state["momentum_buffer"] = np.zeros_like(w)
                    if centered:
                        state["grad_avg"] = np.zeros_like(w)
                state["step"] += 1
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * w
                r = state["square_avg"]
                r *= rho
                r += (1 - rho) * grad * grad
                if centered:
                    m = state["grad_avg"]
                    _lerp_(m, grad, 1 - rho)
                    d = np.sqrt(r - m * m)
                else:
                    d = np.sqrt(r)
                d += eps
                if mu > 0:
                    b = state["momentum_buffer"]
                    b *= mu
                    b += grad / d
                    w -= lr * b
                else:
                    w += (-lr * grad) / d
                mark_modified(p)  # the step wrote into p in place
        return loss
