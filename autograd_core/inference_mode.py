"""``inference_mode``: no graph is recorded inside, as ``torch.inference_mode``.

Here it is a grad-mode switch under PyTorch's name and signature (a context manager and
a decorator, with or without parentheses): ``inference_mode()`` turns recording off,
``inference_mode(False)`` turns it on, as PyTorch's.
PyTorch also marks tensors made inside as inference tensors, which may never join a
graph later; this engine makes no such distinction, so code that is correct under
PyTorch runs the same here.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from .grad_mode import set_grad_enabled


class _State(threading.local):
    enabled: bool = False  # inside an enabled inference_mode block (this thread)


_STATE = _State()


def is_inference_mode_enabled() -> bool:
    """True inside an enabled ``inference_mode`` block (of the calling thread)."""
    return _STATE.enabled


class inference_mode:
    """Context manager / decorator: ``inference_mode()`` records no graph inside;
    ``inference_mode(False)`` switches recording back on (even inside ``no_grad``), as
    PyTorch's does. The previous modes come back on exit."""

    def __new__(cls, mode: Any = True) -> Any:
        """A new context manager, or, used bare as ``@inference_mode``, the function
        ``mode`` wrapped to run inside ``inference_mode()``."""
        if callable(mode) and not isinstance(mode, bool):  # bare @inference_mode
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._saved: list[tuple[set_grad_enabled, bool]] = []

    def __enter__(self) -> None:
        # set_grad_enabled switches at once and restores the previous mode on exit.
        self._saved.append((set_grad_enabled(not self.mode), _STATE.enabled))
        _STATE.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        grad_switch, was_enabled = self._saved.pop()
        _STATE.enabled = was_enabled
        grad_switch.__exit__(*exc)

    def __call__(self, fn: Callable) -> Callable:
        """Decorator use: ``fn`` wrapped to run every call inside this mode."""
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self) -> inference_mode:
        """A new ``inference_mode`` with the same mode (as PyTorch's, for reuse)."""
        return inference_mode(self.mode)
