"""Anomaly mode: find the forward operation behind a NaN or inf gradient.

``with detect_anomaly():`` makes every node recorded inside remember the file and line
of the user's code that created it (the first stack frame outside ``autograd_core``,
``nn`` and ``optim``), and makes backward check each gradient a node returns: a NaN or
inf raises an error naming the node and that place. An error raised inside a node's
backward gets the same place attached as a note. When the mode is off the only cost is
one flag check per recorded node.

The mode belongs to the calling thread, like grad mode. (PyTorch 2.13 keeps one
process-wide flag; there, two threads that enter and leave ``detect_anomaly()`` in an
overlapping order leave the mode on, or off, for everyone. Per thread, each thread's
nesting restores exactly what it found.)
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """Per-thread anomaly mode; the class attributes are every thread's starting values."""

    enabled: bool = False
    check_nan: bool = True


STATE = _State()

# node -> "file:line" of the user's code that created it (only nodes made in the mode).
_SITES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
# Library code to skip when looking for the user's line; nn and optim are siblings of
# this package (found by path: autograd_core never imports them).
_LIBRARY_DIRS = tuple(os.path.join(_ROOT, d) + os.sep for d in ("autograd_core", "nn", "optim"))


def _user_site() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        fname = frame.f_code.co_filename
        if not os.path.abspath(fname).startswith(_LIBRARY_DIRS) and not fname.startswith("<frozen"):
            return f"{fname}:{frame.f_lineno}"
        frame = frame.f_back
    return None


def note_creation(node: Any) -> None:
    """Remember where ``node`` was created (called by ``Function.apply`` in the mode)."""
    site = _user_site()
    if site is not None:
        _SITES[node] = site


def creation_site(node: Any) -> str | None:
    """"file:line" where ``node`` was created, if it was recorded in anomaly mode."""
    if node is None:
        return None
    return _SITES.get(node)


def check_gradients(node: Any, grads: Sequence[Any]) -> None:
    """Raise if a gradient returned by ``node``'s backward holds NaN or inf."""
    if not STATE.check_nan:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        d = g._data
        if d.dtype.kind not in "fc" or np.isfinite(d).all():
            continue
        kind = "nan" if np.isnan(d).any() else "inf"
        site = creation_site(node)
        where = f"; the forward op was created at {site}" if site else (
            "; the forward op was created outside detect_anomaly(), so its place is unknown")
        raise RuntimeError(
            f"Function '{node.name()}' returned {kind} values in its {i}th output{where}"
        )


def annotate(node: Any, err: BaseException) -> None:
    """Attach the creating line of ``node`` to an error raised inside its backward."""
    site = creation_site(node)
    if site is not None and hasattr(err, "add_note"):
        err.add_note(f"(anomaly mode) the failing backward is {node.name()}, whose "
                     f"forward op was created at {site}")


class detect_anomaly:
    """Context manager / decorator: record creation sites and check backward for NaN/inf.

    ``check_nan=False`` keeps the creation sites (for error messages) without the
    per-node NaN check. Nested uses restore the previous mode on exit.
    """

    def __init__(self, check_nan: bool = True) -> None:
        if not isinstance(check_nan, (bool, np.bool_)):
            raise TypeError(f"check_nan must be a bool, got {type(check_nan).__name__}")
        self.check_nan = bool(check_nan)
        # Previous modes per thread: one detect_anomaly object may be entered by several.
        self._prev: dict[int, list[tuple[bool, bool]]] = {}

    def __enter__(self) -> None:
        self._prev.setdefault(threading.get_ident(), []).append(
            (STATE.enabled, STATE.check_nan))
        STATE.enabled = True
        STATE.check_nan = self.check_nan

    def __exit__(self, *exc: object) -> None:
        key = threading.get_ident()
        stack = self._prev.get(key)
        if not stack:
            return
        STATE.enabled, STATE.check_nan = stack.pop()
        if not stack:
            del self._prev[key]

    def __call__(self, fn: F) -> F:
        """Decorator use: ``fn`` wrapped to run every call inside this anomaly mode."""
        check = self.check_nan

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(check):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> None:
    """Switch anomaly mode on or off in the calling thread (``set_detect_anomaly``)."""
    STATE.enabled = bool(mode)
    STATE.check_nan = bool(check_nan)


def is_anomaly_enabled() -> bool:
    """True while anomaly mode is on in the calling thread."""
    return STATE.enabled
