"""Grad mode: whether operations record graph nodes, per thread as in PyTorch.

``no_grad()``, ``enable_grad()`` and ``set_grad_enabled(mode)`` work as context managers
and as decorators, as in PyTorch. The flag belongs to the calling thread: a ``no_grad()``
or a ``backward()`` running in another thread never switches recording off in this one,
and a new thread starts with recording on. ``Function.apply`` reads the flag on every
call, so it lives on a ``threading.local`` subclass whose class attribute is the default:
reading it is one attribute lookup, and a thread that never switched the mode has
nothing stored at all.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_get_ident = threading.get_ident


class _State(threading.local):
    """Per-thread grad mode; ``enabled`` is True in every thread until switched."""

    enabled: bool = True


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded into the graph (in the calling thread)."""
    return STATE.enabled


class _GradModeContext:
    """Base for the grad-mode switches: a context manager that is also a decorator.

    The previous modes are kept per thread, so one switch object (a module-level
    ``no_grad()``, say) may be entered by several threads at once.
    """

    _mode: bool = True

    def __init__(self) -> None:
        self._prev: dict[int, list[bool]] = {}

    def _push(self) -> None:
        self._prev.setdefault(_get_ident(), []).append(STATE.enabled)

    def _pop(self) -> None:
        key = _get_ident()
        stack = self._prev.get(key)
        if not stack:  # exit without enter in this thread: nothing to restore
            return
        STATE.enabled = stack.pop()
        if not stack:
            del self._prev[key]

    def __enter__(self) -> None:
        self._push()
        STATE.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        self._pop()

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
    """``set_grad_enabled(mode)``: switch recording on or off in the calling thread.

    As in PyTorch, the switch takes effect as soon as it is called (so it also works as a
    plain function); as a context manager it restores the previous mode on exit, and as
    a decorator it sets the mode for each call of the function only.
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        if not isinstance(mode, (bool, int)):
            raise TypeError(f"set_grad_enabled(): mode must be a bool, got {type(mode).__name__}")
        self._mode = bool(mode)
        self._push()
        STATE.enabled = self._mode

    def __enter__(self) -> None:
        # __init__ already switched the mode and remembered the previous one.
        pass

    def _restore_for_decorator(self) -> None:
        # Used as a decorator: undo the switch that __init__ made at decoration time.
        self._pop()


class _Switch(_GradModeContext):
    """A plain set-and-restore switch to a given mode (used by the decorators)."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._mode = mode
