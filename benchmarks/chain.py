"""(d) Forward and backward through a chain of 1,000,000 elementwise ops, each library in
its own process so that peak memory (max RSS) is its own.

Run as ``python benchmarks/chain.py {ours,torch,numpy}``; prints one JSON line with the
forward and backward seconds and the process's peak RSS in MB.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

# Run from a checkout without installing: the project root goes first on the path, as
# run.py does for itself (it starts this file as a child process).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_OPS = 1_000_000
SCALE, SHIFT = 1.0000001, 0.0000001


def run(lib: str) -> dict[str, float]:
    """One forward and backward through the chain with ``lib`` ("ours", "torch" or
    "numpy"): seconds for each, peak RSS in MB, and dL/dx[0] (to check they agree)."""
    t0 = time.perf_counter()
    if lib == "numpy":
        h = np.ones(16, dtype=np.float32)
        for i in range(N_OPS):
            h = h * SCALE if i % 2 else h + SHIFT
        t1 = time.perf_counter()
        g = np.ones_like(h)
        for i in range(N_OPS - 1, -1, -1):
            if i % 2:
                g = g * SCALE
        grad0 = float(g[0])
    else:
        if lib == "torch":
            import torch as mod
        else:
            import autograd_core as mod
        x = mod.ones(16, requires_grad=True)
        h = x
        for i in range(N_OPS):
            h = h * SCALE if i % 2 else h + SHIFT
        t1 = time.perf_counter()
        h.sum().backward()
        grad0 = float(x.grad[0])
    t2 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"forward_s": t1 - t0, "backward_s": t2 - t1, "total_s": t2 - t0,
            "peak_rss_mb": rss_mb, "grad0": grad0}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
