"""Grad mode: whether operations record graph nodes.

``no_grad()``, ``enable_grad()`` and ``set_grad_enabled(mode)`` work as context managers
and as decorators, as in PyTorch. The flag is module-global (one thread of training is
the case this engine serves); ``Function.apply`` reads it on every call, so it is a
plain attribute lookup.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded into the graph."""
    return STATE.enabled


class _GradModeContext:
    """Base for the grad-mode switches: a context manager that is also a decorator."""

    _mode: bool = True

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(STATE.enabled)
        STATE.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        mode = self._mode
        if isinstance(self, set_grad_enabled):
            self._restore_for_decorator()

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Switch(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _BareDecoratable(_GradModeContext):
    """A switch that also decorates without parentheses (``@no_grad`` as ``@no_grad()``)."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_BareDecoratable):
    """Context manager / decorator: operations inside record no graph."""

    _mode = False


class enable_grad(_BareDecoratable):
    """Context manager / decorator: operations inside record the graph again."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(mode)``: switch recording on or off.

    As in PyTorch, the switch takes effect as soon as it is called (so it also works as a
    plain function); as a context manager it restores the previous mode on exit, and as
    a decorator it sets the mode for each call of the function only.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        if not isinstance(mode, (bool, int)):
            raise TypeError(f"set_grad_enabled(): mode must be a bool, got {type(mode).__name__}")
        self._mode = bool(mode)
        self._prev.append(STATE.enabled)
        STATE.enabled = self._mode

    def __enter__(self) -> None:
        # __init__ already switched the mode and remembered the previous one.
        pass

    def _restore_for_decorator(self) -> None:
        # Used as a decorator: undo the switch that __init__ made at decoration time.
        if self._prev:
            STATE.enabled = self._prev.pop()


class _Switch(_GradModeContext):
    """A plain set-and-restore switch to a given mode (used by the decorators)."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = mode
