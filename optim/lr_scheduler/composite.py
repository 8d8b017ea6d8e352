"""Schedulers made of schedulers: ``SequentialLR`` (one after another, switching at
milestones) and ``ChainedScheduler`` (all of them every epoch, their factors combined)."""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ..optimizer import Optimizer
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_schedulers(owner: str, optimizer: Any, schedulers: Sequence[Any]) -> None:
    """Each one has an optimizer, is not ReduceLROnPlateau and drives ``optimizer``."""
    for i, sched in enumerate(schedulers):
        if not hasattr(sched, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(sched, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at "
                f"index {i} in the given schedulers sequence."
            )
        if optimizer != sched.optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(sched).__name__} at index {i} has {sched.optimizer}, "
                f"which is different from {type(optimizer).__name__}."
            )


def _state_with_children(sched: Any) -> dict[str, Any]:
    """The scheduler's attributes (copied) with each child's own ``state_dict()``."""
    state = {
        k: copy.deepcopy(v)
        for k, v in sched.__dict__.items()
        if k not in ("optimizer", "_schedulers")
    }
    state["_schedulers"] = [s.state_dict() for s in sched._schedulers]
    return state


def _load_with_children(sched: Any, state_dict: dict[str, Any]) -> None:
    """Restore ``_state_with_children``'s output; each child loads its own part."""
    own = {k: v for k, v in state_dict.items() if k != "_schedulers"}
    sched.__dict__.update(copy.deepcopy(own))
    for child, saved in zip(sched._schedulers, state_dict["_schedulers"]):
        child.load_state_dict(saved)


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]``, and so on.

    At each milestone the next scheduler starts from its epoch 0 (its lr then is what it
    sets at epoch 0, computed from the base lrs where it has a closed form), exactly as
    PyTorch does. Typical use: ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5),
    CosineAnnealingLR(opt, T_max=95)], milestones=[5])`` (warm-up, then cosine).

    Constructing the sub-schedulers already stepped each of them once; this undoes those
    steps (resets every lr to ``initial_lr`` and moves their ``last_epoch`` back) and
    starts the first one again.

    Args:
        optimizer: the optimizer every scheduler drives. schedulers: a non-empty list
        (not ReduceLROnPlateau). milestones: len(schedulers) - 1 increasing epochs.
        last_epoch: -1 to start.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        _check_schedulers(name, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                "than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Move back by one the ``last_epoch`` of every (nested) sub-scheduler."""
        target = self if sched is None else sched
        if hasattr(target, "_schedulers"):
            for child in target._schedulers:
                self.recursive_undo(child)
        elif hasattr(target, "last_epoch"):
            target.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch: step the current scheduler, or start the next at a milestone."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            sched._update_lr(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus ``_schedulers``: each sub-scheduler's ``state_dict()``."""
        return _state_with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output into this scheduler and its sub-schedulers."""
        _load_with_children(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step every scheduler in ``schedulers``, in order, at each ``step()``.

    Their effects compose through the groups' lrs: with chainable schedulers (those
    that multiply the current lr) the lr is the product of their factors, e.g.
    ``ConstantLR(opt, factor=0.1, total_iters=20)`` chained with ``ExponentialLR(opt,
    0.9)`` gives 0.1 base_lr 0.9^epoch for 20 epochs, then base_lr 0.9^epoch.

    Args:
        schedulers: a non-empty sequence (not ReduceLROnPlateau), all on one optimizer.
        optimizer: that optimizer (default: the first scheduler's).
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(
                f"{name} expects at least one scheduler to be chained, but got no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(name, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in schedulers[-1].optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        """Step each scheduler once, in order."""
        for sched in self._schedulers:
            sched.step()
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Own attributes plus ``_schedulers``: each scheduler's ``state_dict()``."""
        return _state_with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output into this scheduler and its schedulers."""
        _load_with_children(self, state_dict)

    def __repr__(self) -> str:
        inner = ", ".join(type(s).__name__ for s in self._schedulers)
        return f"{type(self).__name__}([{inner}], lr={self._last_lr})"
