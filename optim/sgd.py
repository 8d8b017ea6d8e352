"""``SGD``: stochastic gradient descent, with optional momentum and Nesterov momentum."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from autograd_core.version import mark_modified

from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    For each parameter W (any shape) with weight gradient g = dL/dW (same shape as W;
    g = -dL/dW when ``maximize``), eta = ``lr``, mu = ``momentum``, tau = ``dampening``,
    lambda = ``weight_decay``::

        g <- g + lambda W                      (L2 penalty lambda/2 |W|^2 folded into g)
        without momentum:   W <- W - eta g
        with momentum:      b <- g                  on the first step
                            b <- mu b + (1 - tau) g  afterwards
                            W <- W - eta b            (nesterov: W <- W - eta (g + mu b))

    The notebooks write momentum as ``v <- alpha v - eta dL/dW, W <- W + v``. With
    tau = 0 and a constant eta that is the same rule: alpha = mu and v = -eta b. PyTorch
    (and this class) keeps b, which holds no eta, so a scheduler's change of lr rescales
    the whole accumulated velocity at once rather than only the newest gradient; the
    first step also starts b at g rather than at (1 - tau) g.

    Args:
        params: Tensors or parameter groups (see ``Optimizer``).
        lr: learning rate eta >= 0. momentum: mu >= 0. dampening: tau.
        weight_decay: lambda >= 0. nesterov: use Nesterov momentum (needs mu > 0 and
        tau = 0). maximize: ascend the loss instead of descending.

    State per parameter: ``momentum_buffer`` (b, W's shape; only when mu != 0).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a ``.grad``; returns closure's loss."""
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p, grad in self._grads(group):
                w = p._data
                if maximize:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * w
                if mu != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = grad.copy(order="K")  # in the parameter's memory order
                        state["momentum_buffer"] = buf
                    else:
                        buf *= mu
                        buf += (1 - tau) * grad
                    grad = grad + mu * buf if nesterov else buf
                w -= lr * grad
                mark_modified(p)  # the step wrote into p in place
        return loss
