"""Ours against PyTorch across sizes (issue 19): every case of benchmarks/models.py (CNNs
from 8x8 to CIFAR scale, MLPs from 8-8-2 to 1024-4096x2, float64 points, batch-1
inference) and the sequence models (benchmarks/lstm.py, benchmarks/gpt.py), the same
model code in both libraries, in one process with the libraries taking turns.

Every turn is timed in the library's steady state: untimed steps for ``--warm`` seconds
(the previous library's threads stop spinning, this one's wake up; see
benchmarks/turns.py), then steps for ``--timed`` seconds, whose median is the turn's
time. The libraries alternate for ``--rounds`` rounds (who goes first alternates too);
a case's time is the median of its turns, its ratio ours / PyTorch, and the spread the
lowest and highest ratio of a single round.

    python benchmarks/sweep.py                # all cases; writes RESULTS.md and sweep.png
    python benchmarks/sweep.py --quick        # shorter turns, fewer rounds, no writing
    python benchmarks/sweep.py --case CNN     # cases whose name contains "CNN"
    python benchmarks/sweep.py --conv plain   # convolution without the blocked path
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import models  # noqa: E402
from _timing import steady_time  # noqa: E402

START = "<!-- sweep: written by benchmarks/sweep.py -->"
END = "<!-- sweep end -->"
TARGETS = {"cnn": 1.25, "mlp": 1.05}  # issue 19: ours / PyTorch at most this


@dataclass
class Point:
    """One sweep case: its step builders, FLOPs per step and kind."""

    name: str
    kind: str  # "cnn", "mlp" or "seq"
    flops: float
    build: Callable[[str], Callable[[], float]]
    dtype: str = "float32"
    train: bool = True


def _model_points() -> list[Point]:
    return [Point(c.name, c.kind, c.flops(), lambda lib, c=c: models.build(lib, c),
                  c.dtype, c.train) for c in models.CASES + models.EXTRA_CASES]


def _sequence_points() -> list[Point]:
    """LSTM and GPT steps, where this checkout has them (their own modules' models,
    plain SGD as those benchmarks define them)."""
    out = []
    try:
        import lstm

        import nn

        if hasattr(nn, "LSTM"):
            for size in (lstm.HIDDEN_128, lstm.HIDDEN_512):
                h = size.hidden
                # 4 gates, input and hidden products, every time step; training x3.
                flops = 2.0 * lstm.BATCH * lstm.SEQ * 4 * h * 2 * h * 3
                out.append(Point(f"LSTM hidden {h}, batch {lstm.BATCH}, seq {lstm.SEQ}",
                                 "seq", flops, lambda lib, s=size: getattr(s, f"{lib}_step")()))
    except ImportError:
        pass
    try:
        import gpt

        d, t, b, layers = gpt.WIDTH, gpt.CONTEXT, gpt.BATCH, gpt.LAYERS
        params = layers * 12 * d * d + gpt.VOCAB * d
        # 2 flops per parameter and token, plus attention scores and mixing (2*T*d per
        # token and layer, twice); training x3.
        flops = 3.0 * b * t * (2 * params + layers * 4 * t * d)
        out.append(Point(f"GPT {layers} layers, width {d}, batch {b}, context {t}", "seq",
                         flops, lambda lib: getattr(gpt, f"{lib}_step")()))
    except ImportError:
        pass
    return out


def measure(point: Point, rounds: int, warm_s: float, timed_s: float) -> dict:
    """Median step times (s) of both libraries, the ratio and its spread over rounds."""
    steps = {lib: point.build(lib) for lib in ("ours", "torch")}
    first = {lib: float(f()) for lib, f in steps.items()}
    samples: dict[str, list[float]] = {"ours": [], "torch": []}
    totals = {"ours": [0.0, 0], "torch": [0.0, 0]}  # seconds and steps timed
    for r in range(rounds):
        for lib in (("ours", "torch") if r % 2 == 0 else ("torch", "ours")):
            t, n, mean = steady_time(steps[lib], warm_s, timed_s)
            samples[lib].append(t)
            totals[lib][0] += mean * n
            totals[lib][1] += n
    ours, torch_ = (statistics.median(samples[k]) for k in ("ours", "torch"))
    per_round = [o / t for o, t in zip(samples["ours"], samples["torch"])]
    means = {k: s / n for k, (s, n) in totals.items()}
    scale = max(abs(first["torch"]), 1e-12)
    return {"ours": ours, "torch": torch_, "ratio": ours / torch_,
            "low": min(per_round), "high": max(per_round),
            "mean_ratio": means["ours"] / means["torch"],
            "same_loss": abs(first["ours"] - first["torch"]) / scale < 1e-4}


def _target(point: Point) -> float | None:
    if point.dtype != "float32" or not point.train:
        return None
    return TARGETS.get(point.kind)


def table(results: list[tuple[Point, dict]]) -> list[str]:
    """The sweep as Markdown table lines."""
    lines = ["| case | GFLOP / step | ours ms | PyTorch ms | ours / PyTorch | "
             "spread over rounds | ratio of means | target |",
             "|---|---|---|---|---|---|---|---|"]
    for p, r in results:
        target = _target(p)
        mark = "" if target is None else (
            f"<= {target:.2f} {'met' if r['ratio'] <= target else '**missed**'}")
        same = "" if r["same_loss"] else " (losses differ!)"
        lines.append(f"| {p.name}{same} | {p.flops / 1e9:.3g} | {r['ours'] * 1e3:.3f} | "
                     f"{r['torch'] * 1e3:.3f} | {r['ratio']:.2f} | "
                     f"{r['low']:.2f}-{r['high']:.2f} | {r['mean_ratio']:.2f} | {mark} |")
    return lines


def plot(results: list[tuple[Point, dict]], path: Path, title: str) -> None:
    """The ratio against FLOPs per step (log x), one marker per kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5))
    style = {"cnn": ("o", "tab:blue"), "mlp": ("s", "tab:orange"), "seq": ("^", "tab:green")}
    seen = set()
    for p, r in results:
        marker, color = style[p.kind]
        label = {"cnn": "CNN", "mlp": "MLP", "seq": "sequence model"}[p.kind]
        variant = ("float64" if p.dtype == "float64" else
                   "inference, batch 1" if not p.train else "float32 training")
        key = f"{label}, {variant}"
        face = "none" if not p.train else color
        edge = "black" if p.dtype == "float64" else color
        ax.scatter(p.flops, r["ratio"], marker=marker, s=60, facecolors=face,
                   edgecolors=edge, linewidths=1.5, label=None if key in seen else key)
        seen.add(key)
        ax.plot([p.flops, p.flops], [r["low"], r["high"]], color=color, alpha=0.4, lw=1)
    for y, text in ((1.0, "parity"), (1.05, "MLP target 1.05"), (1.25, "CNN target 1.25")):
        ax.axhline(y, color="grey", ls=":" if y == 1.0 else "--", lw=1)
        ax.text(min(p.flops for p, _ in results), y, text,
                va="bottom", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_ylim(0, max(1.5, max(r["high"] for _, r in results) * 1.05))
    ax.set_xlabel("FLOPs per step (multiply-adds x 2 of convolutions and linear layers)")
    ax.set_ylabel("time per step, ours / PyTorch")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(True, which="both", alpha=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def ablation(rounds: int, warm_s: float, timed_s: float, name_filter: str) -> list[str]:
    """Ours alone on the float32 CNN training cases, the convolution path switched
    between turns: plain (im2col + one GEMM), auto (blocked from
    ``conv_blocked.BLOCKED_MIN_BYTES`` of columns up) and blocked for every convolution.
    Returns Markdown table lines (median ms per step)."""
    from nn import conv_blocked

    default = conv_blocked.BLOCKED_MIN_BYTES
    paths = {"plain": None, "auto": default, "blocked": 0}
    lines = ["| case | plain ms | auto ms | blocked ms |", "|---|---|---|---|"]
    for case in models.CASES:
        if case.kind != "cnn" or name_filter not in case.name:
            continue
        step = models.build("ours", case)
        samples: dict[str, list[float]] = {k: [] for k in paths}
        try:
            for r in range(rounds):
                order = list(paths)[r % 3:] + list(paths)[:r % 3]
                for k in order:
                    conv_blocked.BLOCKED_MIN_BYTES = paths[k]
                    samples[k].append(steady_time(step, warm_s, timed_s)[0])
        finally:
            conv_blocked.BLOCKED_MIN_BYTES = default
        med = {k: statistics.median(v) * 1e3 for k, v in samples.items()}
        lines.append(f"| {case.name} | {med['plain']:.3f} | {med['auto']:.3f} | "
                     f"{med['blocked']:.3f} |")
        print(lines[-1], flush=True)
    return lines


def turns_table(repeats: int) -> str:
    """benchmarks/turns.py's default table (first steps of a turn), in a child process."""
    res = subprocess.run([sys.executable, str(HERE / "turns.py"), "--json", "--repeats",
                          str(repeats)], check=True, capture_output=True, text=True)
    import turns

    return turns.table(json.loads(res.stdout.strip().splitlines()[-1]))


def write_section(text: str) -> None:
    """Put the sweep's section into RESULTS.md, above run.py's "## Runs" (which run.py
    keeps), replacing the previous sweep."""
    out = HERE / "RESULTS.md"
    old = out.read_text() if out.exists() else "# Benchmark results\n\n"
    block = f"{START}\n{text.rstrip()}\n{END}\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + block + rest.split(END, 1)[1].lstrip("\n")
    elif "## Runs\n" in old:
        head, rest = old.split("## Runs\n", 1)
        new = head.rstrip("\n") + "\n\n" + block + "\n## Runs\n" + rest
    else:
        new = old.rstrip("\n") + "\n\n" + block
    out.write_text(new)


def main() -> None:
    """Sweep the cases, print the table, write RESULTS.md's section and the plot."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warm", type=float, default=0.4, help="untimed seconds per turn")
    ap.add_argument("--timed", type=float, default=0.6, help="timed seconds per turn")
    ap.add_argument("--quick", action="store_true",
                    help="2 rounds of short turns, nothing written")
    ap.add_argument("--case", default="", help="only cases whose name contains this")
    ap.add_argument("--conv", choices=("auto", "plain", "blocked"), default="auto",
                    help="convolution path: auto (blocked for large columns), plain "
                         "im2col + one GEMM, or blocked for every size")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit NumPy's BLAS and PyTorch to this many threads")
    ap.add_argument("--no-turns", action="store_true", help="skip the first-steps table")
    ap.add_argument("--no-ablation", action="store_true",
                    help="skip timing ours' CNN steps with each convolution path")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.warm, args.timed, args.no_write = 2, 0.15, 0.2, True
    import run
    import torch

    from nn import conv_blocked

    if args.threads:
        import threadpoolctl

        threadpoolctl.threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
    if args.conv == "plain":
        conv_blocked.BLOCKED_MIN_BYTES = None
    elif args.conv == "blocked":
        conv_blocked.BLOCKED_MIN_BYTES = 0
    desc = run.machine()
    print(desc, flush=True)
    points = [p for p in _model_points() + _sequence_points() if args.case in p.name]
    results = []
    t_start = time.perf_counter()
    for p in points:
        r = measure(p, args.rounds, args.warm, args.timed)
        results.append((p, r))
        print(f"{p.name}: ours {r['ours'] * 1e3:.3f} ms, torch {r['torch'] * 1e3:.3f} ms, "
              f"ratio {r['ratio']:.2f} ({r['low']:.2f}-{r['high']:.2f})", flush=True)
        gc.collect()
    lines = ["## Sweep: ours against PyTorch across sizes (issue 19)", "",
             f"Machine: {desc}", "",
             f"Each case: the same model code in both libraries, SGD with momentum 0.9 "
             f"(the LSTM and GPT rows: their benchmark's plain SGD), float32 unless "
             f"marked. {args.rounds} rounds, the libraries taking turns (who goes first "
             f"alternating); a turn is {args.warm:.2f} s of untimed steps, then "
             f"{args.timed:.2f} s (at least 3 steps) of timed ones, whose median is the "
             f"turn's time. Times are medians over rounds; the spread is the lowest and "
             f"highest single-round ratio; the ratio of means divides the mean times of "
             f"all timed steps (it counts the rare stalls that medians hide). "
             f"Convolution path: {args.conv}. "
             f"Swept in {time.perf_counter() - t_start:.0f} s. Plot: "
             "[sweep.png](sweep.png).", "", *table(results), ""]
    if not args.no_ablation and args.conv == "auto":
        print("convolution paths ...", flush=True)
        lines += ["### Ours with each convolution path", "",
                  "The CNN cases above, ours alone, the path switched between turns "
                  f"({args.rounds} rounds of the same turns): plain im2col + one GEMM, auto "
                  f"(blocked from {conv_blocked.BLOCKED_MIN_BYTES >> 20} MiB of columns, "
                  "the default) and blocked for every convolution.", "",
                  *ablation(args.rounds, args.warm, args.timed, args.case), ""]
    if not args.no_turns:
        print("first steps of a turn ...", flush=True)
        lines += ["### The first steps of a turn (benchmarks/turns.py)", "",
                  "The LeNet step of benchmarks/cnn.py, each of the first 8 steps of a turn "
                  "timed alone (ms, median of 3 repeats), after the other library's 0.5 s "
                  "turn, after an idle gap, or after its own turn.", "",
                  turns_table(3), ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text)
        cpu = "; ".join(desc.split("; ")[:2])
        plot(results, HERE / "sweep.png",
             f"ours / PyTorch, time per step ({cpu}; convolution: {args.conv})")
        print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'sweep.png'}")


if __name__ == "__main__":
    main()
