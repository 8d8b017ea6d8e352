"""Running a layer's independent shares of work on several cores at once.

NumPy runs copies and elementwise loops on one core; only its BLAS (matrix products)
uses more. A blocked convolution splits its batch into shares whose outputs and
gradients do not overlap, and runs one share per core: each does its own im2col copies,
products and col2im adds, and NumPy releases the GIL for all of them. Meanwhile the
BLAS is held to one thread, so that the shares' products do not each start the BLAS's
own threads on cores that are already busy.

How many shares: as many as the threads NumPy's BLAS is set to use (the user's
``OPENBLAS_NUM_THREADS`` or ``threadpoolctl`` limit is respected), at most the cores
this process may run on. Setting the BLAS's thread count needs ``threadpoolctl``;
without it every share runs in turn on the calling thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_LOCK = threading.Lock()  # one parallel region at a time changes the BLAS's threads
_STATE: dict[str, Any] = {"blas": None, "pool": None}


def _numpy_blas() -> list:
    """threadpoolctl's controllers of the BLAS that NumPy loaded (empty without it)."""
    libs = _STATE["blas"]
    if libs is None:
        try:
            import numpy as np
            import threadpoolctl
        except ImportError:
            libs = []
        else:
            ctl = threadpoolctl.ThreadpoolController().select(user_api="blas")
            root = os.path.dirname(os.path.dirname(np.__file__))
            libs = list(ctl.lib_controllers)
            # Another library's BLAS (a BLAS bundled with PyTorch, say) is not NumPy's.
            own = [c for c in libs
                   if os.path.relpath(c.filepath, root).startswith("numpy")]
            libs = own or libs
        _STATE["blas"] = libs
    return libs


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers() -> int:
    """How many shares run at once: the BLAS's current thread count, at most the cores
    available; 1 without threadpoolctl or when the BLAS is set to one thread."""
    libs = _numpy_blas()
    if not libs:
        return 1
    return max(1, min(libs[0].get_num_threads(), _cores()))


def _pool(n: int) -> ThreadPoolExecutor:
    pool = _STATE["pool"]
    if pool is None or pool._max_workers < n:
        pool = _STATE["pool"] = ThreadPoolExecutor(max_workers=n,
                                                   thread_name_prefix="nn-share")
    return pool


def _after_fork() -> None:
    # A forked child (a DataLoader worker) has none of the parent's threads: start anew.
    _STATE["pool"] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def run_shares(fn: Callable[[Any], Any], shares: Sequence[Any]) -> list:
    """``[fn(s) for s in shares]``, the shares running at once on separate threads.

    The calling thread runs the first share itself. During the call NumPy's BLAS runs
    one thread per share; its thread count is restored afterwards. When another thread
    is already inside a parallel region (or there is one share) the shares run in turn.
    """
    if len(shares) < 2 or not _LOCK.acquire(blocking=False):
        return [fn(s) for s in shares]
    try:
        libs = _numpy_blas()
        before = [c.get_num_threads() for c in libs]
        for c in libs:
            c.set_num_threads(1)
        try:
            futures = [_pool(len(shares) - 1).submit(fn, s) for s in shares[1:]]
            try:
                first = fn(shares[0])
            finally:
                for f in futures:  # every share finishes before the BLAS is reset
                    f.exception()
            return [first] + [f.result() for f in futures]
        finally:
            for c, n in zip(libs, before):
                c.set_num_threads(n)
    finally:
        _LOCK.release()
