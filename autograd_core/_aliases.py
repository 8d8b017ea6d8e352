"""NumPy-style argument names PyTorch also accepts: ``axis=`` for ``dim=`` and
``keepdims=`` for ``keepdim=`` (``x.sum(axis=0, keepdims=True)``).

Only on the functions and methods where torch 2.13 accepts them (reductions, scans,
softmax, squeeze/unsqueeze); applied once, when the package loads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

# torch accepts axis= on these (checked one by one against torch 2.13) ...
AXIS = ("sum", "mean", "amax", "amin", "max", "min", "std", "var", "prod", "all", "any",
        "argmax", "argmin", "logsumexp", "cumsum", "cumprod", "softmax", "log_softmax",
        "count_nonzero", "squeeze", "unsqueeze")
# ... and keepdims= on these.
KEEPDIMS = ("sum", "mean", "amax", "amin", "max", "min", "std", "var", "prod", "all",
            "any", "argmax", "argmin", "logsumexp")


def accept_numpy_names(fn: Callable[..., Any], axis: bool, keepdims: bool) -> Callable:
    """``fn`` taking ``axis``/``keepdims`` as other names for ``dim``/``keepdim``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if axis and "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both 'dim' and its alias 'axis'")
            kwargs["dim"] = kwargs.pop("axis")
        if keepdims and "keepdims" in kwargs:
            if "keepdim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both 'keepdim' and its alias 'keepdims'")
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return wrapper


def install(namespace: Any, names: set[str] | None = None) -> None:
    """Wrap the functions (or methods, for a class) of ``namespace`` named above."""
    for name in set(AXIS) | set(KEEPDIMS):
        fn = getattr(namespace, name, None) if isinstance(namespace, type) else (
            namespace.get(name) if isinstance(namespace, dict) else getattr(namespace, name,
                                                                            None))
        if fn is None or getattr(fn, "__wrapped__", None) is not None:
            continue
        wrapped = accept_numpy_names(fn, name in AXIS, name in KEEPDIMS)
        if isinstance(namespace, dict):
            namespace[name] = wrapped
        else:
            setattr(namespace, name, wrapped)
