"""``LRScheduler``: the base of the learning-rate schedulers.

A scheduler owns a step counter ``last_epoch`` and, on every ``step()``, writes a new
``lr`` into each of its optimizer's parameter groups. Most schedulers are *chainable*
(as in PyTorch): the new lr is computed from the group's current lr, so two schedulers
on one optimizer compose, and the float rounding matches PyTorch's sequence exactly.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from ..optimizer import Optimizer

__all__ = ["LRScheduler"]

_EPOCH_WARNING = (
    "Passing an epoch to scheduler.step() is deprecated (as in PyTorch): call step() "
    "without arguments. With an epoch the closed-form learning rate is used where the "
    "scheduler has one."
)


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a scalar repeated, or a list checked for length."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has "
                f"{len(optimizer.param_groups)}."
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class: adjusts ``group["lr"]`` of every parameter group once per ``step()``.

    Args:
        optimizer: the ``optim.Optimizer`` whose learning rates this sets.
        last_epoch: index of the last epoch done; -1 (default) starts a new schedule,
            storing each group's lr as ``initial_lr``. A value >= 0 resumes and needs
            ``initial_lr`` in every group already (from a loaded optimizer state).

    Attributes:
        base_lrs: each group's ``initial_lr``. last_epoch: steps taken (0 after
        construction, which does the first step).

    Subclasses implement ``get_lr()`` (the lrs for ``last_epoch``), and may give
    ``_get_closed_form_lr()`` for the deprecated ``step(epoch)``.
    """

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0. Load the optimizer's "
                        "state (which holds initial_lr) before resuming a schedule."
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Set the lrs for epoch 0 (or for ``last_epoch + 1`` when resuming)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    # ----- the schedule ---------------------------------------------------------------
    def get_lr(self) -> list[float]:
        """The learning rate of each group for the current ``last_epoch``.

        Called by ``step()``; to read the current learning rates use ``get_last_lr()``.
        """
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def _warn_if_called_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, "
                "please use `get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (call after ``optimizer.step()``) and set the new lrs.

        epoch: deprecated; jumps to that epoch using the closed form where there is one.
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "lr_scheduler.step() was called before optimizer.step(). Call "
                "optimizer.step() first: otherwise the first learning rate of the "
                "schedule is skipped (PyTorch behaves the same way).",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Move to the next epoch (or to ``epoch``) and write the new lrs to the groups.

        ``step()`` without its warnings and step count: ``SequentialLR`` calls it with 0 to
        restart a scheduler at a milestone, as PyTorch does.
        """
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    # ----- saving and loading ---------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer, copied (as PyTorch's ``state_dict``)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by ``state_dict()``.

        Load the optimizer's own state as well: the lr of a chainable schedule lives in
        the optimizer's groups.
        """
        self.__dict__.update(copy.deepcopy(state_dict))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"
