"""Run many random programs in autograd_core and torch and report the disagreements.

    python tests/fuzz_many.py --cases 20000 [--start 0] [--max-steps 6] [--show 3]

Each case is built from its seed (``fuzz_programs.run_case``), so a failure is
reproduced with ``run_case(seed)``. Failures are grouped by the kind of message and the
first programs of each group are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.fuzz_programs import describe_failure, run_seed, shrink  # noqa: E402


def _signature(msg: str, prog) -> str:
    """The failure's kind: the message without numbers, plus the last step's op."""
    head = re.sub(r"[-+]?\d[\d.e+-]*", "#", msg.splitlines()[0])[:120]
    last = prog.steps[-1].op if prog.steps else "?"
    return f"{last}: {head}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000, help="how many programs to run")
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--max-steps", type=int, default=6, help="op steps per program, at most")
    ap.add_argument("--show", type=int, default=2, help="programs printed per failure kind")
    ap.add_argument("--shrink", action="store_true", help="print shrunk failing programs")
    args = ap.parse_args(argv)

    groups: dict[str, list] = defaultdict(list)
    t0 = time.perf_counter()
    failures = skipped = 0
    for seed in range(args.start, args.start + args.cases):
        prog, status, msg = run_seed(seed, args.max_steps)
        if status == "skip":
            skipped += 1
        elif status == "fail":
            failures += 1
            groups[_signature(msg, prog)].append((seed, prog, msg))
        done = seed - args.start + 1
        if done % 1000 == 0:
            print(f"{done} cases, {failures} failures, {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr)
    print(f"ran {args.cases} programs (seeds {args.start}..{args.start + args.cases - 1}) "
          f"in {time.perf_counter() - t0:.1f} s: {failures} failures in {len(groups)} kinds, "
          f"{skipped} not compared (ill-conditioned: sin of huge values, near-ties...)")
    for sig, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n=== {len(items)} x {sig}")
        for seed, prog, msg in items[: args.show]:
            shown = shrink(prog) if args.shrink else prog
            print(f"--- seed {seed}\n{describe_failure(shown, msg)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
