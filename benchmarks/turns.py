"""Why a library looks slower right after another one ran: the first steps of a turn,
timed one by one, after the other library's turn, after its own, and after idle gaps.

Both libraries keep worker threads that wait busily for a while after their last
parallel call before they sleep: PyTorch's OpenMP pool (libgomp spins, then blocks),
NumPy's OpenBLAS pool (spins, then sleeps after its thread timeout). A thread still
spinning holds a core, so the next library's first steps share that core with it; and
a pool that has gone to sleep must be woken at its next call. This script measures both
effects on the LeNet step of benchmarks/cnn.py (plain SGD, as run.py times it):

    python benchmarks/turns.py                  # this process's settings
    python benchmarks/turns.py --variants       # also OMP_WAIT_POLICY=PASSIVE/ACTIVE,
                                                # PyTorch on 1 thread, BLAS on 1 thread

Each row: the median over repeats of each of the first steps of a turn (ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

FIRST = 8  # steps timed one by one at the start of a turn
RUN_S = 0.5  # length of the turn that comes before
VARIANTS = {
    "default": {},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "OMP_WAIT_POLICY=ACTIVE": {"OMP_WAIT_POLICY": "ACTIVE"},
    "torch 1 thread": {"TURNS_TORCH_THREADS": "1"},
    "NumPy BLAS 1 thread": {"OPENBLAS_NUM_THREADS": "1"},
}


def _run_for(step, seconds: float) -> None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()


def _first_steps(step) -> list[float]:
    out = []
    for _ in range(FIRST):
        t0 = time.perf_counter()
        step()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def measure(repeats: int) -> dict[str, list[float]]:
    """{condition: median ms of step 1..FIRST}, for PyTorch and for ours."""
    import cnn
    import torch

    if os.environ.get("TURNS_TORCH_THREADS"):
        torch.set_num_threads(int(os.environ["TURNS_TORCH_THREADS"]))
    steps = {"torch": cnn.torch_step(), "ours": cnn.ours_step()}
    for s in steps.values():
        _run_for(s, 0.3)
    conditions = []
    for lib, other in (("torch", "ours"), ("ours", "torch")):
        conditions += [
            (f"{lib} after its own turn", lib, lib, 0.0),
            (f"{lib} right after {other}", lib, other, 0.0),
            (f"{lib} 20 ms after {other}", lib, other, 0.02),
            (f"{lib} 100 ms after {other}", lib, other, 0.1),
            (f"{lib} 300 ms after {other}", lib, other, 0.3),
            (f"{lib} after 1 s idle", lib, None, 1.0),
        ]
    samples: dict[str, list[list[float]]] = {c[0]: [] for c in conditions}
    for _ in range(repeats):
        for name, lib, before, gap in conditions:
            if before is not None:
                _run_for(steps[before], RUN_S)
            if gap:
                time.sleep(gap)
            samples[name].append(_first_steps(steps[lib]))
    return {k: [statistics.median(col) for col in zip(*v)] for k, v in samples.items()}


def table(results: dict[str, list[float]]) -> str:
    """The results as a Markdown table: one row per condition, one column per step."""
    head = "| condition | " + " | ".join(f"step {i + 1}" for i in range(FIRST)) + " |"
    lines = [head, "|---" * (FIRST + 1) + "|"]
    for k, v in results.items():
        lines.append(f"| {k} | " + " | ".join(f"{x:.2f}" for x in v) + " |")
    return "\n".join(lines)


def main() -> None:
    """Measure, in a child process per environment variant, and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--variants", action="store_true",
                    help="also run each environment variant in a child process")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.json:
        print(json.dumps(measure(args.repeats)))
        return
    names = list(VARIANTS) if args.variants else ["default"]
    for name in names:
        env = dict(os.environ, **VARIANTS[name])
        res = subprocess.run([sys.executable, __file__, "--json", "--repeats",
                              str(args.repeats)], env=env, check=True,
                             capture_output=True, text=True)
        data = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"\n### {name} (ms per step, first {FIRST} steps of a turn)\n")
        print(table(data), flush=True)


if __name__ == "__main__":
    main()
