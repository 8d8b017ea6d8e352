"""``LinearLR``: the lr factor moves linearly from ``start_factor`` to ``end_factor``."""

from __future__ import annotations

from ..optimizer import Optimizer
from .scheduler import LRScheduler

__all__ = ["LinearLR"]


class LinearLR(LRScheduler):
    """lr(epoch) = base_lr * (s + (e - s) * min(epoch, total_iters) / total_iters).

    s = ``start_factor``, e = ``end_factor``. Computed chainably as in PyTorch: at epoch 0
    the lr is multiplied by s, then each epoch up to total_iters by the ratio of
    consecutive factors, 1 + (e - s) / (total_iters s + (epoch - 1)(e - s)).

    Args:
        optimizer: the optimizer. start_factor: in (0, 1]. end_factor: in [0, 1].
        total_iters: epochs to go from s to e (5). last_epoch: -1 to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                "equal to 1."
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        s, e = self.start_factor, self.end_factor
        if self.last_epoch == 0:
            return [lr * s for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        ratio = 1.0 + (e - s) / (self.total_iters * s + (self.last_epoch - 1) * (e - s))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        s, e = self.start_factor, self.end_factor
        done = min(self.total_iters, self.last_epoch)
        return [b * (s + (e - s) * done / self.total_iters) for b in self.base_lrs]
