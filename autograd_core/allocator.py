"""Keep freed array memory for reuse: glibc malloc settings for training loops.

Why. A training step allocates tens of megabytes of short-lived arrays (im2col columns,
matrix products, elementwise results, their gradients) and frees them all when the
step ends. With glibc's default settings that freed memory is handed back to the
kernel (arrays above the mmap threshold are unmapped; the rest is trimmed off the top
of the heap once more than twice that threshold is free), so the next step gets fresh
pages and pays a page fault for every 4 KiB it touches. On the machine the benchmarks
ran on a LeNet step on a batch of 64 took 5,900 page faults and about 28 ms this way,
and about 9.5 ms with the settings below (benchmarks/RESULTS.md has the numbers).

What. Two ``mallopt`` calls, made once when ``autograd_core`` is imported, on Linux with
glibc only:

* ``M_MMAP_THRESHOLD`` = 32 MiB: arrays up to 32 MiB (glibc's own ceiling for this
  setting) come from the heap, whose freed blocks are reused, instead of from mmap;
* ``M_TRIM_THRESHOLD`` = 256 MiB: up to 256 MiB of free memory may stay at the top of
  the heap instead of being returned to the kernel at every free.

The cost is resident memory: after a peak the process keeps up to 256 MiB (plus any free
blocks inside the heap) ready for reuse rather than giving it back. Nothing else
changes; arrays above 32 MiB are still mapped and unmapped as before.

Opting out. Set the environment variable ``AUTOGRAD_CORE_MALLOC=system`` before the
import to leave malloc as it is. Settings made through glibc's own environment variables
(``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_``,
``MALLOC_MMAP_MAX_``) are also left alone: whoever set them chose already.
"""

from __future__ import annotations

import os
import sys

MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 256 * 1024 * 1024

# mallopt parameter numbers from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                    "MALLOC_MMAP_MAX_")

# Why the settings were or were not applied; ``tuned`` says whether they were.
status = "not attempted"
tuned = False


def _glibc() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return False


def tune_malloc() -> bool:
    """Apply the settings above once; returns whether they are in effect.

    Called by ``import autograd_core``; calling it again does nothing new. Why it did or
    did not apply them is in ``autograd_core.allocator.status``.
    """
    global status, tuned
    if tuned:
        return True
    if os.environ.get("AUTOGRAD_CORE_MALLOC", "").strip().lower() == "system":
        status = "left alone: AUTOGRAD_CORE_MALLOC=system"
        return False
    chosen = [v for v in _GLIBC_VARIABLES if v in os.environ]
    if chosen:
        status = f"left alone: {', '.join(chosen)} set in the environment"
        return False
    if not _glibc():
        status = "left alone: not Linux with glibc"
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        status = "left alone: mallopt not found"
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success and 0 when it refuses a value.
    ok = (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
          and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    tuned = ok
    status = "tuned" if ok else "left alone: mallopt refused the values"
    return ok
