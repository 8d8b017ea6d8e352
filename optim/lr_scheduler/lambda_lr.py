"""``LambdaLR``: the lr is the initial lr times a user function of the epoch."""

from __future__ import annotations

import copy
import types
from collections.abc import Callable
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler

__all__ = ["LambdaLR"]


class LambdaLR(LRScheduler):
    """lr(epoch) = base_lr * lr_lambda(epoch), per group.

    Args:
        optimizer: the optimizer. lr_lambda: a function of the epoch (int) returning a
        factor, or a list with one function per parameter group. last_epoch: -1 to start.

    ``state_dict()`` stores plain functions and lambdas as None (they cannot be saved);
    callable objects are saved through their ``__dict__``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if not isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [lr_lambda] * n
        else:
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        return [b * f(self.last_epoch) for f, b in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """As ``LRScheduler.state_dict``; ``lr_lambdas`` holds None or an object's dict."""
        state = {
            k: copy.deepcopy(v)
            for k, v in self.__dict__.items()
            if k not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(f, types.FunctionType) else dict(f.__dict__) for f in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output; the functions themselves stay as given."""
        state = {k: v for k, v in state_dict.items() if k != "lr_lambdas"}
        super().load_state_dict(state)
        for f, saved in zip(self.lr_lambdas, state_dict["lr_lambdas"]):
            if saved is not None:
                f.__dict__.update(saved)
