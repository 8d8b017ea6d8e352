"""Running a node's NumPy work on both (all) cores: the first axis cut into shares that
run at once on the threads of nn/_threads.py (NumPy releases the GIL in its loops and
products; the BLAS is held to one thread meanwhile). PyTorch runs its elementwise
kernels and softmax on all its threads; NumPy alone runs them on one.

Every share is computed exactly as the whole would be (the rows are independent), so
results do not depend on the split or on the thread count."""

from __future__ import annotations

from collections.abc import Callable

from .. import _threads

# Below this many numbers of work a node runs in one call: starting the shares costs
# about 0.1 ms, the time NumPy takes for some 100,000 numbers.
SHARE_MIN = 1 << 16


def in_shares(part: Callable[[slice], object], n: int, size: int) -> None:
    """``part(sl)`` for slices ``sl`` of range(n) that together cover it, at once on as
    many threads as NumPy's BLAS may use when ``size`` (the numbers of work) reaches
    ``SHARE_MIN``; else ``part(slice(None))``."""
    w = _threads.workers() if n >= 2 and size >= SHARE_MIN else 1
    if w < 2:
        part(slice(None))
        return
    w = min(w, n)
    bounds = [n * i // w for i in range(w + 1)]
    _threads.run_shares(part, [slice(bounds[i], bounds[i + 1]) for i in range(w)])
