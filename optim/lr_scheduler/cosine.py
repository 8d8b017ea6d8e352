"""``CosineAnnealingLR``: the lr follows half a cosine from base_lr down to eta_min."""

from __future__ import annotations

import math

from ..optimizer import Optimizer
from .scheduler import LRScheduler

__all__ = ["CosineAnnealingLR"]


class CosineAnnealingLR(LRScheduler):
    """lr(t) = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2.

    Past T_max the cosine continues (the lr climbs back up over the next T_max epochs;
    there are no restarts). As in PyTorch the lr is updated recursively,
    lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max)),
    with an additive step where the denominator would be zero; the recursive form keeps
    other changes to the lr.

    Args:
        optimizer: the optimizer. T_max: epochs of the half cosine. eta_min: lowest lr (0).
        last_epoch: -1 to start.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        lrs = self._current_lrs()
        if self._is_initial:
            return lrs
        if self._step_count == 1 and t > 0:
            return [lo + (b - lo) * (1 + math.cos(t * math.pi / T)) / 2 for b in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            # Leaving the minimum: 1 + cos(pi (t-1)/T) is 0 there, so step additively.
            return [
                lr + (b - lo) * (1 - math.cos(math.pi / T)) / 2 for b, lr in zip(self.base_lrs, lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        return [lo + (b - lo) * (1 + math.cos(math.pi * t / T)) / 2 for b in self.base_lrs]
