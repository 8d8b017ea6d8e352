"""Is the engine's in-place delta reuse worth its complexity? (issue 14, part 5)

ReLU's fast backward masks the delta it receives in place when the engine says nobody
else holds that array (``Function._fresh_grads`` / ``owns_grad``). This measures the MLP
and LeNet training steps of ``run.py`` with the reuse on and off (off: the engine never
hands ownership over), in one process, the two settings taking turns, and prints the
median step times and their ratio.

    python benchmarks/delta_reuse.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cnn  # noqa: E402
import mlp  # noqa: E402

from autograd_core.function import Function  # noqa: E402


def _classes() -> list[type]:
    found, stack = [], [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def _set_reuse(on: bool, saved: dict) -> None:
    for cls in _classes():
        if "_fresh_grads" in cls.__dict__:
            saved.setdefault(cls, cls.__dict__["_fresh_grads"])
            cls._fresh_grads = saved[cls] if on else False


def _median_ms(step, seconds: float = 0.3) -> float:
    for _ in range(3):
        step()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    """Print ours-with-reuse / ours-without for the MLP and the LeNet step."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    saved: dict = {}
    for name, make in (("MLP 784-256-256-10, batch 128", mlp.ours_step),
                       ("LeNet-style CNN, batch 64", cnn.ours_step)):
        step = make()
        on, off = [], []
        for _ in range(args.rounds):
            _set_reuse(True, saved)
            on.append(_median_ms(step))
            _set_reuse(False, saved)
            off.append(_median_ms(step))
        _set_reuse(True, saved)
        m_on, m_off = statistics.median(on), statistics.median(off)
        print(f"{name}: reuse on {m_on:.3f} ms, off {m_off:.3f} ms, on/off {m_on / m_off:.3f}")


if __name__ == "__main__":
    main()
