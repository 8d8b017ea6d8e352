"""``inference_mode``: no graph is recorded inside, as ``torch.inference_mode``.

Here it is ``no_grad`` under PyTorch's name and signature (a context manager and a
decorator, with or without parentheses; ``inference_mode(False)`` changes nothing).
PyTorch also marks tensors made inside as inference tensors, which may never join a
graph later; this engine makes no such distinction, so code that is correct under
PyTorch runs the same here.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from .grad_mode import no_grad


class _State(threading.local):
    depth: int = 0  # nesting of enabled inference_mode blocks in this thread


_STATE = _State()


def is_inference_mode_enabled() -> bool:
    """True inside an enabled ``inference_mode`` block (of the calling thread)."""
    return _STATE.depth > 0


class inference_mode:
    """Context manager / decorator: operations inside record no graph (``mode=True``);
    ``inference_mode(False)`` leaves the grad mode as it is."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode) and not isinstance(mode, bool):  # bare @inference_mode
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._ctx: list[no_grad] = []

    def __enter__(self) -> None:
        ctx = no_grad() if self.mode else None
        if ctx is not None:
            ctx.__enter__()
            _STATE.depth += 1
        self._ctx.append(ctx)

    def __exit__(self, *exc: object) -> None:
        ctx = self._ctx.pop()
        if ctx is not None:
            _STATE.depth -= 1
            ctx.__exit__(*exc)

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)
