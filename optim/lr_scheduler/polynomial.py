"""``PolynomialLR``: the lr falls to zero along (1 - epoch / total_iters) ** power."""

from __future__ import annotations

from ..optimizer import Optimizer
from .scheduler import LRScheduler

__all__ = ["PolynomialLR"]


class PolynomialLR(LRScheduler):
    """lr(epoch) = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power.

    power = 1 is a straight line down to 0 at epoch ``total_iters``; the lr then stays
    at 0. Computed chainably as in PyTorch: each epoch up to total_iters multiplies the
    current lr by ((1 - e / T) / (1 - (e - 1) / T)) ** power.

    Args:
        optimizer: the optimizer. total_iters: T, epochs until the lr reaches 0 (5).
        power: the polynomial's power (1.0). last_epoch: -1 to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        e, T = self.last_epoch, self.total_iters
        if self._is_initial or e > T:
            return self._current_lrs()
        factor = ((1.0 - e / T) / (1.0 - (e - 1) / T)) ** self.power
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        T = self.total_iters
        return [b * (1.0 - min(T, self.last_epoch) / T) ** self.power for b in self.base_lrs]
