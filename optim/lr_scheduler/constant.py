"""``ConstantLR``: the lr is scaled by a constant factor for the first epochs, then restored."""

from __future__ import annotations

from ..optimizer import Optimizer
from .scheduler import LRScheduler

__all__ = ["ConstantLR"]


class ConstantLR(LRScheduler):
    """lr(epoch) = base_lr * factor for epoch < total_iters, base_lr afterwards.

    Chainable as in PyTorch: at epoch 0 the group's current lr is multiplied by
    ``factor`` and at epoch ``total_iters`` by 1 / factor; other epochs leave it as it is,
    so changes made by another scheduler on the same optimizer are kept. A typical use
    is a short warm-up at a reduced lr, often the first stage of a ``SequentialLR``.

    Args:
        optimizer: the optimizer. factor: in [0, 1] (1/3). total_iters: epochs at the
        reduced lr (5). last_epoch: -1 to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lr of each group for epoch ``last_epoch`` (called by ``step()``)."""
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [b * (self.factor + done * (1 - self.factor)) for b in self.base_lrs]
