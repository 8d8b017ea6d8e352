"""``torch.cuda`` for a machine without CUDA: what programs ask before choosing a device.

``is_available()`` is False and ``device_count()`` 0, so ``device = "cuda" if
cuda.is_available() else "cpu"`` picks the CPU. Seeding and synchronising are no-ops
(there is no CUDA generator or stream); anything that needs a GPU (``current_device``,
``get_device_name``, ``set_device``) raises the CPU-only RuntimeError.
"""

from __future__ import annotations

from typing import Any

from .. import device as _device
from . import amp

__all__ = ["amp", "current_device", "device_count", "empty_cache", "get_device_name",
           "is_available", "is_bf16_supported", "is_initialized", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "set_device", "synchronize"]


def is_available() -> bool:
    """False: this engine runs on the CPU only."""
    return False


def device_count() -> int:
    """0 CUDA devices."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialised here."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: there is no CUDA device."""
    return False


def manual_seed(seed: Any) -> None:
    """No-op (there is no CUDA generator); ``autograd_core.manual_seed`` seeds the CPU."""
    int(seed)  # refuse what PyTorch refuses (a string, None)


def manual_seed_all(seed: Any) -> None:
    """No-op, as ``manual_seed``."""
    int(seed)


def seed() -> None:
    """No-op."""


def seed_all() -> None:
    """No-op."""


def synchronize(device: Any = None) -> None:
    """No-op: CPU operations finish before they return."""


def empty_cache() -> None:
    """No-op: there is no CUDA memory cache."""


def _no_cuda(what: str) -> RuntimeError:
    return _device.cpu_only_error(_device.device("cuda"), f"cuda.{what}")


def current_device() -> int:
    """Raises: there is no current CUDA device."""
    raise _no_cuda("current_device")


def get_device_name(device: Any = None) -> str:
    """Raises: there is no CUDA device to name."""
    raise _no_cuda("get_device_name")


def set_device(device: Any) -> None:
    """Raises: there is no CUDA device to select."""
    raise _no_cuda("set_device")
