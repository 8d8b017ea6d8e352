"""(c) Per-op overhead: a chain of 1,000 elementwise ops on a (16,) tensor, forward and
backward, in microseconds per op: ours, PyTorch, and a hand-written NumPy floor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

N_OPS = 1000
SCALE, SHIFT = 1.0001, 0.0001


def numpy_step() -> Callable[[], float]:
    """Forward: alternate x*c and x+c; backward: the chain rule written out by hand."""
    x0 = np.ones(16, dtype=np.float32)

    def step() -> float:
        h = x0
        for i in range(N_OPS):
            h = h * SCALE if i % 2 else h + SHIFT
        g = np.ones_like(h)
        for i in range(N_OPS - 1, -1, -1):
            if i % 2:
                g = g * SCALE
        return float(g[0])

    return step


def _chain_step(lib) -> Callable[[], float]:
    """The same chain for any library with ones(..., requires_grad=True) and backward."""
    x0 = lib.ones(16, requires_grad=True)

    def step() -> float:
        x0.grad = None
        h = x0
        for i in range(N_OPS):
            h = h * SCALE if i % 2 else h + SHIFT
        h.sum().backward()
        return float(x0.grad[0])

    return step


def torch_step() -> Callable[[], float]:
    """The timed step for PyTorch: forward and backward through the chain."""
    import torch

    return _chain_step(torch)


def ours_step() -> Callable[[], float]:
    """The timed step for autograd_core: forward and backward through the chain."""
    import autograd_core as ag

    return _chain_step(ag)
