"""Run every benchmark in one process (the million-op chain in child processes) and print
a table of medians and ratios; write it to benchmarks/RESULTS.md with the machine described.

    python benchmarks/run.py            # full run
    python benchmarks/run.py --quick    # fewer repeats, no million-op chain
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import cnn  # noqa: E402
import gpt  # noqa: E402
import lstm  # noqa: E402
import mlp  # noqa: E402
import per_op  # noqa: E402
from _timing import median_time, steady_time  # noqa: E402

# Every turn is timed in the library's steady state: untimed steps for WARM_S seconds,
# then timed steps for TIMED_S seconds (at least --per-round of them), whose median is
# the turn's time. Short turns (30 ms untimed, then 6 steps) measured PyTorch's LeNet
# step at 8.0-8.8 ms here where long ones measured 3.9 ms: a library that just ran leaves
# worker threads spin-waiting on the cores (OpenBLAS's and OpenMP's pools wait busily
# for a while after their last call), and a pool that has gone to sleep is slow at its
# next calls; benchmarks/turns.py times the first steps of a turn one by one.
WARM_S = 0.3
TIMED_S = 0.3


def machine() -> str:
    """One line naming the CPU, core count, Python, NumPy with its BLAS and PyTorch."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "?"
    try:
        import threadpoolctl

        info = threadpoolctl.threadpool_info()
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
                         for i in info)
    except ImportError:
        pass
    return (f"{cpu}; {os.cpu_count()} logical cores; Python {platform.python_version()}; "
            f"NumPy {np.__version__} (BLAS: {blas}); PyTorch {torch.__version__} "
            f"({torch.get_num_threads()} threads)")


def step_rows(rounds: int, per_round: int) -> list[tuple[str, str, float, float, float]]:
    """Time each training-step target, the libraries taking turns over ``rounds``
    rounds of ``per_round`` steps: rows of (name, unit, ours, torch, numpy or NaN)."""
    rows = []
    for name, mod, unit, scale in (
        ("(a) MLP step 784-256-256-10, batch 128", mlp, "ms", 1e3),
        ("(b) LeNet-style CNN step, batch 64", cnn, "ms", 1e3),
        ("(c) per-op overhead, 1,000-op chain fwd+bwd", per_op, "us/op", 1e6 / per_op.N_OPS),
        ("(e) LSTM step, batch 32, seq 64, hidden 128", lstm.HIDDEN_128, "ms", 1e3),
        ("(e) LSTM step, batch 32, seq 64, hidden 512", lstm.HIDDEN_512, "ms", 1e3),
        ("(f) GPT step, 4 layers, 4 heads, width 128, context 64, batch 32", gpt, "ms", 1e3),
    ):
        fns = {"ours": mod.ours_step(), "torch": mod.torch_step()}
        if hasattr(mod, "numpy_step"):  # (f) has no hand-written floor
            fns["numpy"] = mod.numpy_step()
        for f in fns.values():
            median_time(f, 1, warmup=5)
        # Short rounds, the libraries taking turns (in a rotating order), so that a slow
        # spell of this shared machine hits all three alike; the median of the rounds'
        # medians is then robust to spells shorter than about half the rounds.
        samples: dict[str, list[float]] = {k: [] for k in fns}
        order = list(fns)
        for r in range(rounds):
            for k in order[r % len(order):] + order[:r % len(order)]:
                samples[k].append(steady_time(fns[k], WARM_S, TIMED_S, per_round)[0])
        med = {k: float(np.median(v)) * scale for k, v in samples.items()}
        rows.append((name, unit, med["ours"], med["torch"], med.get("numpy", float("nan"))))
        print(f"{name}: ours {med['ours']:.3f} {unit}, torch {med['torch']:.3f}, "
              f"numpy {med.get('numpy', float('nan')):.3f}", flush=True)
    return rows


def chain_rows() -> dict[str, dict[str, float]]:
    """Run the 1,000,000-op chain (``chain.py``) once per library, each in its own
    process: its seconds and peak memory, by library."""
    out = {}
    for lib in ("ours", "torch", "numpy"):
        res = subprocess.run([sys.executable, str(HERE / "chain.py"), lib], check=True,
                             capture_output=True, text=True, cwd=str(HERE.parent))
        out[lib] = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"(d) chain {lib}: {out[lib]}", flush=True)
    return out


def main() -> None:
    """Command line: run the benchmarks, print them and write ``RESULTS.md``."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, skip the 1M chain")
    ap.add_argument("--rounds", type=int, default=9, help="rounds of interleaved timing")
    ap.add_argument("--per-round", type=int, default=6,
                    help=f"timed steps per library per round, at least (after {WARM_S} s "
                         f"of untimed ones; timed for at least {TIMED_S} s)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit NumPy's BLAS and PyTorch to this many threads (default: as "
                         "installed); on a busy machine 1 thread avoids BLAS threads spinning "
                         "against other processes")
    ap.add_argument("--system-malloc", action="store_true",
                    help="re-run with AUTOGRAD_CORE_MALLOC=system: glibc's default thresholds, "
                         "under which freed arrays go back to the kernel and are page-faulted "
                         "in again every step (importing autograd_core otherwise raises them, "
                         "for every library in this process alike)")
    ap.add_argument("--append", action="store_true", help="add to RESULTS.md, not replace")
    args = ap.parse_args()
    if args.system_malloc and os.environ.get("AUTOGRAD_CORE_MALLOC") != "system":
        env = dict(os.environ, AUTOGRAD_CORE_MALLOC="system")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    if args.threads:
        import threadpoolctl
        import torch

        threadpoolctl.threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
        os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    rounds = 5 if args.quick else args.rounds
    desc = machine()
    print(desc)
    rows = step_rows(rounds, args.per_round)
    chains = None if args.quick else chain_rows()

    from autograd_core import allocator

    malloc = ("malloc thresholds raised by autograd_core (all libraries in the process)"
              if allocator.tuned else f"malloc {allocator.status}")
    threads = f"threads limited to {args.threads}" if args.threads else "default threads"
    title = f"## {malloc}, {threads}"
    lines = [title, "", f"Machine: {desc}", "",
             f"Median over {rounds} rounds of each turn's median step: a turn is {WARM_S} s "
             f"of untimed steps (the previous library's spin-waiting threads go idle, this "
             f"one's wake), then at least {TIMED_S} s and {args.per_round} steps timed; the "
             "libraries take turns every round. Ratios: ours / other (below 1 means we are "
             "faster).", "",
             "| benchmark | unit | ours | PyTorch | NumPy floor | ours/PyTorch | ours/NumPy |",
             "|---|---|---|---|---|---|---|"]
    for name, unit, o, t, n in rows:
        floor = (f"{n:.3f}", f"{o / n:.2f}") if n == n else ("-", "-")  # nan: no floor
        lines.append(f"| {name} | {unit} | {o:.3f} | {t:.3f} | {floor[0]} | {o / t:.2f} | "
                     f"{floor[1]} |")
    if chains:
        o, t, n = chains["ours"], chains["torch"], chains["numpy"]
        lines.append(f"| (d) 1,000,000-op chain, fwd+bwd | s | {o['total_s']:.2f} | "
                     f"{t['total_s']:.2f} | {n['total_s']:.2f} | "
                     f"{o['total_s'] / t['total_s']:.2f} | {o['total_s'] / n['total_s']:.2f} |")
        lines.append(f"| (d) 1,000,000-op chain, peak RSS | MB | {o['peak_rss_mb']:.0f} | "
                     f"{t['peak_rss_mb']:.0f} | {n['peak_rss_mb']:.0f} | "
                     f"{o['peak_rss_mb'] / t['peak_rss_mb']:.2f} | "
                     f"{o['peak_rss_mb'] / n['peak_rss_mb']:.2f} |")
        lines += ["", "Chain detail (seconds): " + "; ".join(
            f"{k}: forward {v['forward_s']:.2f}, backward {v['backward_s']:.2f}"
            for k, v in chains.items())]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write and not args.quick:
        out = HERE / "RESULTS.md"
        # The hand-written part above "## Runs" (why it is fast, where the time goes) is
        # kept; the runs below it are replaced, or added to with --append.
        head, runs = "# Benchmark results\n\n", ""
        if out.exists():
            old = out.read_text()
            if _RUNS in old:
                head, runs = old.split(_RUNS, 1)
        intro = "Written by `python benchmarks/run.py`.\n\n"
        runs = runs.replace(intro, "", 1).strip("\n") + "\n\n" if args.append and runs else ""
        out.write_text(head + _RUNS + intro + runs + text)


_RUNS = "## Runs\n\n"


if __name__ == "__main__":
    main()
