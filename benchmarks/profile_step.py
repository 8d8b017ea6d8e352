"""Where a training step's time goes, per op: every ``Function`` subclass's forward and
backward (``fast_backward`` where it has one) wrapped in a timer, a sweep case's step run
a number of times, and the time split by op and phase; what no op accounts for is Python
(modules, the engine, the optimizer's update loop outside its NumPy work).

    python benchmarks/profile_step.py                  # every CNN case of the sweep
    python benchmarks/profile_step.py --case "CIFAR"   # cases whose name contains this
    python benchmarks/profile_step.py --steps 20 --top 12

Timers cost a few microseconds per op, nothing against these steps' milliseconds.
On a busy machine read the shares, not the times.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import models  # noqa: E402

TOTALS: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
_NESTED = [0.0]  # time spent in ops called by the op now running (not its own)


def _timed(name: str, phase: str, fn):
    def wrapper(*args, **kwargs):
        outer = _NESTED[0]
        _NESTED[0] = 0.0
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            dt = time.perf_counter() - t0
            rec = TOTALS[(name, phase)]
            rec[0] += dt - _NESTED[0]  # exclusive: ops it called count for themselves
            rec[1] += 1
            _NESTED[0] = outer + dt

    return staticmethod(wrapper)


def instrument() -> None:
    """Wrap forward and (fast_)backward of every Function subclass defined so far.

    Times are exclusive: an op called inside another (a backward written in Tensor ops
    runs other ops' forwards) counts for itself, not for its caller.
    """
    from autograd_core.function import Function

    seen = set()
    todo = [Function]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub in seen:
                continue
            seen.add(sub)
            todo.append(sub)
            for attr, phase in (("forward", "fwd"), ("backward", "bwd"),
                                ("fast_backward", "bwd")):
                fn = sub.__dict__.get(attr)
                if isinstance(fn, staticmethod):
                    setattr(sub, attr, _timed(sub.__name__, phase, fn.__func__))


def profile(case: models.Case, steps: int, top: int) -> str:
    """Per-op milliseconds per step for ``case``, as a text table."""
    step = models.build("ours", case)
    for _ in range(3):
        step()
    TOTALS.clear()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    total = sum(times)
    per = 1e3 / steps
    rows = sorted(TOTALS.items(), key=lambda kv: -kv[1][0])
    lines = [f"{case.name}: {total * per:.2f} ms per step (min {min(times) * 1e3:.2f})"]
    for (name, phase), (t, n) in rows[:top]:
        lines.append(f"  {name:>22s} {phase}  {t * per:8.3f} ms  {100 * t / total:5.1f}%  "
                     f"({n // steps} calls)")
    rest = max(0.0, total - sum(t for (_, _), (t, _) in rows))
    lines.append(f"  {'not in any op (Python)':>27s} {rest * per:8.3f} ms  "
                 f"{100 * rest / total:5.1f}%")
    return "\n".join(lines)


def main() -> None:
    """Profile the sweep cases named on the command line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--case", default="CNN", help="profile cases whose name contains this")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--top", type=int, default=14)
    args = ap.parse_args()
    import nn  # noqa: F401  (defines the nn Functions before they are wrapped)

    instrument()
    for case in models.CASES + models.EXTRA_CASES:
        if args.case in case.name and case.train:
            print(profile(case, args.steps, args.top), flush=True)


if __name__ == "__main__":
    main()
