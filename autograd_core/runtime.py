"""Process-wide switches PyTorch programs set before training, kept as PyTorch keeps them
and changing nothing here: ``set_float32_matmul_precision`` (TF32 on a GPU),
``use_deterministic_algorithms`` (every op here is deterministic already),
``set_num_threads`` (NumPy's BLAS fixes its threads when it loads: set
``OMP_NUM_THREADS`` before starting Python instead) and ``compile`` (the model or
function itself: there is no compiler to run).
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["are_deterministic_algorithms_enabled", "compile", "get_float32_matmul_precision",
           "get_num_threads", "is_deterministic_algorithms_warn_only_enabled",
           "set_float32_matmul_precision", "set_num_threads", "use_deterministic_algorithms"]

_settings: dict[str, Any] = {"matmul_precision": "highest", "deterministic": False,
                             "warn_only": False, "threads": None}


def set_float32_matmul_precision(precision: str) -> None:
    """Remember "highest", "high" or "medium" (float32 matmuls here are always full
    float32, i.e. "highest")."""
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or "
                         f"'medium', got {precision!r}")
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set ("highest" by default)."""
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Remember the flag; every operation here gives the same result run after run."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) "
                        f"must be bool, not {type(mode).__name__}")
    _settings["deterministic"], _settings["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """The flag given to ``use_deterministic_algorithms`` (False by default)."""
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` given to ``use_deterministic_algorithms``."""
    return _settings["warn_only"]


def set_num_threads(num: int) -> None:
    """Check and remember ``num`` (see the module docstring: it changes nothing)."""
    if not isinstance(num, int) or isinstance(num, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _settings["threads"] = num


def get_num_threads() -> int:
    """The number last set, else the CPU count."""
    return _settings["threads"] or os.cpu_count() or 1


def compile(model: Any = None, **kwargs: Any) -> Any:  # noqa: A001 - PyTorch's name
    """``model`` itself (a Module or a function): there is no compiler here. Works as
    ``compile(model)``, ``@compile`` and ``@compile(mode=...)``."""
    if model is None:
        return lambda fn: compile(fn, **kwargs)
    if not callable(model):
        raise TypeError(f"A callable function is expected, but {type(model)} is provided.")
    return model
