"""``CyclicLR``: the lr goes up and down between two bounds (cyclical learning rates)."""

from __future__ import annotations

import copy
import functools
import math
import types
from collections.abc import Callable
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler, _check_optimizer, _per_group

__all__ = ["CyclicLR"]

_MODES = ("triangular", "triangular2", "exp_range")


def _triangular(x: float) -> float:
    """Every cycle reaches max_lr."""
    return 1.0


def _triangular2(x: float) -> float:
    """Cycle x (1, 2, ...) reaches base_lr + (max_lr - base_lr) / 2^(x - 1)."""
    return 1 / (2.0 ** (x - 1))


def _exp_range(gamma: float, x: float) -> float:
    """After x iterations the amplitude is scaled by gamma^x."""
    return gamma**x


class CyclicLR(LRScheduler):
    """Cyclical learning rate (CLR), stepped once per batch, as PyTorch's CyclicLR.

    One cycle is ``step_size_up`` iterations rising linearly from base_lr towards
    max_lr, then ``step_size_down`` falling back. With i = ``last_epoch`` (batches
    done), N = up + down, cycle = floor(1 + i / N), x = 1 + i / N - cycle (position in
    the cycle, in [0, 1)) and r = up / N::

        s = x / r                 while rising (x <= r)
        s = (x - 1) / (r - 1)     while falling
        lr = base_lr + (max_lr - base_lr) s f(cycle or i)

    The amplitude factor f is: "triangular" 1; "triangular2" halved every cycle;
    "exp_range" gamma^i (of the iteration count); or your ``scale_fn``, evaluated on the
    cycle number or the iteration count as ``scale_mode`` says. With
    ``cycle_momentum`` the momentum (SGD's, RMSprop's, or beta1 for Adam-like
    optimizers) moves the opposite way: momentum = max_momentum - (max_momentum -
    base_momentum) s f, so it is lowest when the lr is highest.

    Args:
        optimizer: the optimizer. base_lr, max_lr: the bounds (a float, or one per
        group); construction sets each group's lr to base_lr. step_size_up (2000),
        step_size_down (None: same as up): iterations per half cycle. mode: one of
        "triangular", "triangular2", "exp_range" (ignored when scale_fn is given).
        gamma: exp_range's factor (1.0). scale_fn: custom f with 0 <= f(x) <= 1.
        scale_mode: "cycle" or "iterations" (for scale_fn). cycle_momentum (True): needs
        an optimizer with ``momentum`` or ``betas``. base_momentum (0.8), max_momentum
        (0.9): floats or one per group. last_epoch: -1 to start; when resuming, the
        number of batches done.

    ``state_dict()`` saves a custom scale_fn as None when it is a plain function or
    lambda, else as its ``__dict__`` (as PyTorch).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)

        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size

        if mode not in _MODES and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_ref: Callable[[float], float]
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for top, low, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups
                ):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        # As in PyTorch: the constructor's own step used the groups' initial_lr as the
        # base (equal to base_lr unless a scheduler set initial_lr before); later steps
        # use base_lr.
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        """Pick f for the mode (a custom scale_fn takes precedence and keeps scale_mode)."""
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref = _triangular
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = _triangular2
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            self._scale_fn_ref = functools.partial(_exp_range, self.gamma)
            self.scale_mode = "iterations"

    def scale_fn(self, x: float) -> float:
        """The amplitude factor f(x): the custom scale_fn if given, else the mode's."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        """The lrs for batch ``last_epoch``; also sets the groups' momentum when cycled."""
        self._warn_if_called_outside_step()
        i = self.last_epoch
        cycle = math.floor(1 + i / self.total_size)
        x = 1.0 + i / self.total_size - cycle
        if x <= self.step_ratio:
            s = x / self.step_ratio
        else:
            s = (x - 1) / (self.step_ratio - 1)
        arg = cycle if self.scale_mode == "cycle" else i

        # f is evaluated once per group and value, as PyTorch does: a custom scale_fn
        # that keeps state (a call counter, say) then ends in the same state.
        lrs = [
            b + (top - b) * s * self.scale_fn(arg) for b, top in zip(self.base_lrs, self.max_lrs)
        ]
        if self.cycle_momentum:
            momentums = [
                top - (top - low) * s * self.scale_fn(arg)
                for low, top in zip(self.base_momentums, self.max_momentums)
            ]
            for group, m in zip(self.optimizer.param_groups, momentums):
                self._set_momentum(group, m)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As ``LRScheduler.state_dict``, without the mode's function; a custom scale_fn
        is saved as None (plain function or lambda) or as a copy of its ``__dict__``."""
        skip = ("optimizer", "_scale_fn_ref", "_scale_fn_custom")
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in skip}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = (
            None if fn is None or isinstance(fn, types.FunctionType) else copy.deepcopy(fn.__dict__)
        )
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output; a custom scale_fn stays the one given."""
        saved_fn = state_dict.get("_scale_fn_custom")
        own = {k: v for k, v in state_dict.items() if k != "_scale_fn_custom"}
        super().load_state_dict(own)
        if saved_fn is not None:
            self._scale_fn_custom.__dict__.update(copy.deepcopy(saved_fn))
        self._init_scale_fn()
