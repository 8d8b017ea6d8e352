"""Schedules from user functions of the epoch: ``LambdaLR`` and ``MultiplicativeLR``."""

from __future__ import annotations

import copy
import types
from collections.abc import Callable
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler

__all__ = ["LambdaLR", "MultiplicativeLR"]


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
        self.lr_lambdas = _lambdas_per_group(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        return [b * f(self.last_epoch) for f, b in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """As ``LRScheduler.state_dict``; ``lr_lambdas`` holds None or an object's dict."""
        return _state_with_lambdas(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output; the functions themselves stay as given."""
        _load_with_lambdas(self, state_dict)


def _lambdas_per_group(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    """One function per parameter group: a single one repeated, or a list checked."""
    n = len(optimizer.param_groups)
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * n
    if len(lr_lambda) != n:
        raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
    return list(lr_lambda)


def _state_with_lambdas(sched: LRScheduler) -> dict[str, Any]:
    """The scheduler's attributes, with each function of ``lr_lambdas`` saved as None (a
    plain function or lambda cannot be saved) or as a copy of a callable object's dict."""
    skip = ("optimizer", "lr_lambdas")
    state = {k: copy.deepcopy(v) for k, v in sched.__dict__.items() if k not in skip}
    state["lr_lambdas"] = [
        None if isinstance(f, types.FunctionType) else copy.deepcopy(f.__dict__)
        for f in sched.lr_lambdas  # type: ignore[attr-defined]
    ]
    return state


def _load_with_lambdas(sched: LRScheduler, state_dict: dict[str, Any]) -> None:
    """Restore ``_state_with_lambdas``'s output; the functions themselves stay as given."""
    LRScheduler.load_state_dict(sched, {k: v for k, v in state_dict.items() if k != "lr_lambdas"})
    for f, saved in zip(sched.lr_lambdas, state_dict["lr_lambdas"]):  # type: ignore[attr-defined]
        if saved is not None:
            f.__dict__.update(copy.deepcopy(saved))


class MultiplicativeLR(LRScheduler):
    """Each epoch after the first multiplies each group's lr by lr_lambda(epoch).

    lr(epoch) = lr(epoch - 1) * lr_lambda(epoch) for epoch >= 1, lr(0) = the group's lr;
    with a constant function returning gamma this is ``ExponentialLR``. The product acts
    on the current lr, so it composes with other schedulers on the same optimizer.

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
        self.lr_lambdas = _lambdas_per_group(optimizer, lr_lambda)
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(f"lr_lambda should be a function, but got {type(f).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        if self._is_initial:
            return self._current_lrs()
        return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, self._current_lrs())]

    def state_dict(self) -> dict[str, Any]:
        """As ``LRScheduler.state_dict``; ``lr_lambdas`` holds None or an object's dict."""
        return _state_with_lambdas(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output; the functions themselves stay as given."""
        _load_with_lambdas(self, state_dict)
