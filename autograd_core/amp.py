"""Automatic mixed precision, as ``torch.amp``: present, and disabled.

Mixed precision runs chosen ops in float16/bfloat16 on a GPU to save time and memory.
This engine computes on the CPU in the dtypes it is given, so ``autocast`` changes
nothing inside its block and ``GradScaler`` behaves as PyTorch's does when disabled
(as PyTorch disables a CUDA scaler itself when CUDA is unavailable): ``scale`` returns
the loss unchanged, ``unscale_`` and ``update`` do nothing, ``step`` calls
``optimizer.step()``. A program written for mixed precision therefore runs here with
the numbers of a plain float32 run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["GradScaler", "autocast", "is_autocast_available"]


class autocast:
    """Context manager and decorator that does nothing here, as ``torch.autocast(
    device_type, dtype=None, enabled=True, cache_enabled=None)``: operations inside keep
    their dtypes. ``device_type`` must be a string ("cuda", "cpu", ...), as in PyTorch."""

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        self._cache_enabled = cache_enabled

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        """Decorator use: ``fn`` wrapped to run every call inside this (no-op) block."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)
        return wrapper


def is_autocast_available(device_type: str) -> bool:
    """False: no device type has autocast here."""
    return False


class GradScaler:
    """Loss scaling for float16 training, as ``torch.amp.GradScaler``, always disabled
    here (see the module docstring): ``scale(loss)`` is ``loss``, ``step(optimizer)``
    is ``optimizer.step()``, ``get_scale()`` is 1.0, ``is_enabled()`` is False.

    The arguments are PyTorch's; they change nothing (PyTorch checks them only for an
    enabled scaler).
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._requested = bool(enabled)

    def scale(self, outputs: Any) -> Any:
        """``outputs`` unchanged (a tensor or nested lists/tuples of them)."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Nothing to undo: gradients were never scaled."""
        return None

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)``; its return value is returned."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """Nothing to update."""
        return None

    def get_scale(self) -> float:
        """1.0, as a disabled scaler reports."""
        return 1.0

    def is_enabled(self) -> bool:
        """False."""
        return False

    def get_growth_factor(self) -> float:
        """The growth factor given (unused while disabled)."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Keep a new growth factor (unused while disabled)."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The backoff factor given (unused while disabled)."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Keep a new backoff factor (unused while disabled)."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """The growth interval given (unused while disabled)."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Keep a new growth interval (unused while disabled)."""
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict:
        """{} (a disabled scaler has no state), as PyTorch's."""
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Accepts a scaler state (saved here or by PyTorch) and keeps nothing of it."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
