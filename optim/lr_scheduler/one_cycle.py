"""``OneCycleLR``: warm up to ``max_lr``, then anneal far below the start (1cycle policy)."""

from __future__ import annotations

import math
from typing import Any

from ..optimizer import Optimizer
from .scheduler import LRScheduler, _check_optimizer, _per_group

__all__ = ["OneCycleLR"]


def _anneal_cos(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along half a cosine."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along a straight line."""
    return (end - start) * pct + start


def _phase(end_step: float, lr_a: str, lr_b: str, m_a: str, m_b: str) -> dict[str, Any]:
    return {
        "end_step": end_step,
        "start_lr": lr_a,
        "end_lr": lr_b,
        "start_momentum": m_a,
        "end_momentum": m_b,
    }


class OneCycleLR(LRScheduler):
    """The 1cycle learning-rate policy, stepped once per batch, as PyTorch's OneCycleLR.

    With initial_lr = max_lr / div_factor and min_lr = initial_lr / final_div_factor,
    over ``total_steps`` steps (N):

    - two phases (default): initial_lr -> max_lr over the first pct_start N - 1 steps,
      then max_lr -> min_lr until step N - 1;
    - ``three_phase=True``: initial_lr -> max_lr -> initial_lr (symmetric, ending at step
      2 pct_start N - 2), then initial_lr -> min_lr until step N - 1.

    Each phase interpolates with ``anneal_strategy`` ("cos" or "linear"). With
    ``cycle_momentum`` the momentum (SGD's ``momentum`` or Adam's beta1) moves the
    opposite way, between max_momentum and base_momentum. Stepping past N raises.

    Args:
        optimizer: the optimizer. max_lr: peak lr (a float or one per group).
        total_steps: N, or give epochs and steps_per_epoch (N = their product).
        pct_start: fraction of N spent warming up (0.3). anneal_strategy: "cos"/"linear".
        cycle_momentum: cycle momentum too (True). base_momentum, max_momentum: its range
        (0.85, 0.95). div_factor (25), final_div_factor (1e4). three_phase (False).
        last_epoch: -1 to start; when resuming, the number of batches done.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(
                    f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}"
                )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")

        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._anneal_func_type = anneal_strategy

        n = self.total_steps
        # Each phase ends at step end_step and interpolates between the values that the
        # parameter group holds under the named keys.
        self._schedule_phases = [
            _phase(
                float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"
            )
        ]
        if three_phase:
            self._schedule_phases += [
                _phase(
                    float(2 * pct_start * n) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                _phase(n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases.append(
                _phase(n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")
            )

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            max_ms = _per_group("max_momentum", optimizer, max_momentum)
            base_ms = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, top, low in zip(optimizer.param_groups, max_ms, base_ms):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return _anneal_cos(start, end, pct)
        return _anneal_linear(start, end, pct)

    def get_lr(self) -> list[float]:
        """The lrs for step ``last_epoch``; also sets the groups' momentum when cycled."""
        self._warn_if_called_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == last:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        m = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        self._set_momentum(group, m)
                    break
                start_step = end_step
        return lrs
