"""Timing helpers shared by the benchmarks: medians over repeated calls after warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int, warmup: int = 3,
                settle_s: float = 0.0) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` calls, after untimed ones:
    at least ``warmup`` of them, and for at least ``settle_s`` seconds."""
    t0 = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - t0 < settle_s:
        fn()
        done += 1
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def steady_time(fn: Callable[[], object], warm_s: float, timed_s: float,
                min_steps: int = 3) -> tuple[float, int, float]:
    """One library's turn, timed in its steady state: untimed calls for at least
    ``warm_s`` seconds (and 2 calls), then timed calls for at least ``timed_s`` seconds
    (and ``min_steps`` calls). Returns (median seconds per call, calls timed, mean
    seconds per call; the mean counts the rare slow calls that the median hides).

    The untimed part outlasts what the previous turn leaves behind: its library's
    worker threads still spinning on the cores (OpenBLAS and OpenMP pools wait busily
    for a while after their last call), and this library's own pool gone to sleep and
    needing to be woken (see benchmarks/turns.py)."""
    t0 = time.perf_counter()
    done = 0
    while done < 2 or time.perf_counter() - t0 < warm_s:
        fn()
        done += 1
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_steps or time.perf_counter() - start < timed_s:
        t1 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t1)
    return statistics.median(times), len(times), statistics.fmean(times)


def training_step(model, opt, loss_fn, x, y) -> Callable[[], float]:
    """One PyTorch-style step (zero_grad, forward, loss, backward, step) as a closure;
    written once so that ours and PyTorch run literally the same code."""

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step
