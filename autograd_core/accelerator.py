"""``torch.accelerator``: there is none here (this engine runs on the CPU only)."""

from __future__ import annotations

from typing import Any

__all__ = ["current_accelerator", "device_count", "is_available"]


def is_available() -> bool:
    """False: no accelerator."""
    return False


def current_accelerator(check_available: bool = False) -> Any:
    """None: no accelerator."""
    return None


def device_count() -> int:
    """0 accelerators."""
    return 0
