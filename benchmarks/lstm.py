"""(e) One training step of a one-layer LSTM, batch 32, sequence 64, input = hidden = 128
or 512, batch_first, float32, mean squared error against a fixed target, SGD: ours,
PyTorch (its CPU LSTM runs as one fused oneDNN kernel per direction), and a hand-written
NumPy floor (forward and backpropagation through time written out, every weight
gradient one product over all time steps).

``HIDDEN_128`` and ``HIDDEN_512`` each offer ``ours_step``, ``torch_step`` and
``numpy_step``, as the other benchmark modules do. Run alone, the module times them in
one process, taking turns, with ours also timed with the loop unrolled into per-step
nodes (``nn.LSTM.fused = False``, the layer before the fused node):

    python benchmarks/lstm.py --rounds 9 --hidden 128 512

``--parts`` times instead, beside PyTorch's step, the NumPy work that any NumPy version of
the step has to do: the matrix products alone (the input product, the weight gradients,
delta x, and a forward and a backward product per time step), then those plus one exp
over the four gates' pre-activations and one tanh of the cell state per time step.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

import numpy as np
from _timing import steady_time, training_step

BATCH = 32
SEQ = 64
LR = 0.01


def make_data(hidden: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Input (B, T, H), target (B, T, H) and PyTorch-layout weights: weight_ih (4H, H),
    weight_hh (4H, H), bias_ih and bias_hh (4H,), from U(-1/sqrt(H), 1/sqrt(H))."""
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(hidden)

    def u(*shape: int) -> np.ndarray:
        return rng.uniform(-k, k, shape).astype(np.float32)

    return {
        "x": rng.standard_normal((BATCH, SEQ, hidden)).astype(np.float32),
        "y": rng.standard_normal((BATCH, SEQ, hidden)).astype(np.float32),
        "weight_ih_l0": u(4 * hidden, hidden), "weight_hh_l0": u(4 * hidden, hidden),
        "bias_ih_l0": u(4 * hidden), "bias_hh_l0": u(4 * hidden),
    }


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """sigmoid in place: 1 / (1 + e^-x), written into x."""
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    np.reciprocal(x, out=x)
    return x


def numpy_step(hidden: int) -> Callable[[], float]:
    """The floor: forward, backward through time and SGD by hand."""
    d = make_data(hidden)
    H, B, T = hidden, BATCH, SEQ
    x = np.ascontiguousarray(d["x"].transpose(1, 0, 2))  # time-major (T, B, H)
    y = np.ascontiguousarray(d["y"].transpose(1, 0, 2))
    w_ih, w_hh = d["weight_ih_l0"].copy(), d["weight_hh_l0"].copy()
    b_ih, b_hh = d["bias_ih_l0"].copy(), d["bias_hh_l0"].copy()
    x2 = x.reshape(T * B, H)

    def step() -> float:
        # forward: the input products of all steps in one GEMM
        acts = (x2 @ w_ih.T + (b_ih + b_hh)).reshape(T, B, 4 * H)  # becomes the gates
        hs = np.zeros((T + 1, B, H), np.float32)  # hs[t + 1] = h_t; hs[0] = 0
        cs = np.zeros((T + 1, B, H), np.float32)
        tc = np.empty((T, B, H), np.float32)  # tanh(c_t)
        for t in range(T):
            a = acts[t]
            if t:
                a += hs[t] @ w_hh.T
            _sigmoid(a[:, :2 * H])
            np.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])
            _sigmoid(a[:, 3 * H:])
            c = cs[t + 1]
            np.multiply(a[:, H:2 * H], cs[t], out=c)
            c += a[:, :H] * a[:, 2 * H:3 * H]
            np.tanh(c, out=tc[t])
            np.multiply(a[:, 3 * H:], tc[t], out=hs[t + 1])
        diff = hs[1:] - y
        loss = float(np.mean(diff * diff))
        # backward through time: delta of the four gate pre-activations per step
        dout = diff * np.float32(2.0 / diff.size)
        dgates = np.empty_like(acts)
        dh = np.zeros((B, H), np.float32)
        dc = np.zeros((B, H), np.float32)
        for t in range(T - 1, -1, -1):
            a = acts[t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            dh += dout[t]
            dc += dh * o * (1 - tc[t] * tc[t])
            dg = dgates[t]
            dg[:, :H] = dc * g * i * (1 - i)
            dg[:, H:2 * H] = dc * cs[t] * f * (1 - f)
            dg[:, 2 * H:3 * H] = dc * i * (1 - g * g)
            dg[:, 3 * H:] = dh * tc[t] * o * (1 - o)
            dc *= f
            dh = dg @ w_hh
        dg2 = dgates.reshape(T * B, 4 * H)
        gw_ih = dg2.T @ x2
        gw_hh = dg2[B:].T @ hs[1:T].reshape((T - 1) * B, H)  # h_{t-1} = 0 at t = 0
        gb = dg2.sum(axis=0)
        for w, g in ((w_ih, gw_ih), (w_hh, gw_hh), (b_ih, gb), (b_hh, gb)):
            w -= LR * g
        return loss

    return step


def torch_step(hidden: int) -> Callable[[], float]:
    """PyTorch 2.13 CPU, written as a user would."""
    import torch

    d = make_data(hidden)
    model = torch.nn.LSTM(hidden, hidden, batch_first=True)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in d.items() if "_l0" in k})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    mse = torch.nn.MSELoss()
    x, y = torch.from_numpy(d["x"]), torch.from_numpy(d["y"])
    return training_step(model, opt, lambda out, target: mse(out[0], target), x, y)


def ours_step(hidden: int, fused: bool = True) -> Callable[[], float]:
    """This project, written exactly as the PyTorch version (``fused=False``: the loop
    unrolled into per-step nodes, for comparison)."""
    import autograd_core as ag
    import nn
    import optim

    d = make_data(hidden)
    model = nn.LSTM(hidden, hidden, batch_first=True)
    model.fused = fused
    model.load_state_dict({k: ag.from_numpy(v) for k, v in d.items() if "_l0" in k})
    opt = optim.SGD(model.parameters(), lr=LR)
    mse = nn.MSELoss()
    x, y = ag.from_numpy(d["x"]), ag.from_numpy(d["y"])
    return training_step(model, opt, lambda out, target: mse(out[0], target), x, y)


def parts_steps(hidden: int) -> dict[str, Callable[[], None]]:
    """Closures for the lower-bound parts of one step (see ``--parts``), in the shapes
    the fused layer node uses (the per-step products as W_hh h^T on (H, B) states)."""
    rng = np.random.default_rng(0)
    H, B, T, G = hidden, BATCH, SEQ, 4 * hidden
    x2 = rng.standard_normal((T * B, H)).astype(np.float32)
    w_ih, w_hh = (rng.standard_normal((G, H)).astype(np.float32) for _ in range(2))
    da = rng.uniform(-1, 1, (T * B, G)).astype(np.float32)
    hs = rng.uniform(-1, 1, (T * B, H)).astype(np.float32)
    steps_a = rng.uniform(-1, 1, (T, G, B)).astype(np.float32)
    steps_h = rng.uniform(-1, 1, (T, H, B)).astype(np.float32)
    a, ex, h, c = (np.empty(s, np.float32) for s in ((G, B), (G, B), (H, B), (H, B)))

    def products() -> None:
        _ = x2 @ w_ih.T  # every step's input product
        _ = da @ w_ih  # delta x
        _ = da.T @ x2  # W_ih's gradient
        _ = da.T @ hs  # W_hh's gradient
        for t in range(T):
            np.matmul(w_hh, steps_h[t], out=a)  # forward: W_hh h_{t-1}^T
        for t in range(T):
            np.matmul(w_hh.T, steps_a[t], out=h)  # backward: W_hh^T delta_a

    def with_transcendentals() -> None:
        products()
        for t in range(T):
            np.exp(steps_a[t], out=ex)
            np.tanh(steps_h[t], out=c)

    return {"products": products, "products+exp+tanh": with_transcendentals}


class _Size:
    """The three steps at one hidden size, in the shape run.py expects of a module."""

    def __init__(self, hidden: int) -> None:
        self.hidden = hidden

    def ours_step(self) -> Callable[[], float]:
        return ours_step(self.hidden)

    def torch_step(self) -> Callable[[], float]:
        return torch_step(self.hidden)

    def numpy_step(self) -> Callable[[], float]:
        return numpy_step(self.hidden)


HIDDEN_128 = _Size(128)
HIDDEN_512 = _Size(512)


def _ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of a's time over b's in the same round."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def main() -> None:
    """Interleaved turns of ours (fused and unrolled), PyTorch and the NumPy floor at
    each hidden size; prints the medians over rounds and the per-round ratios' medians."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--hidden", type=int, nargs="+", default=[128, 512])
    ap.add_argument("--warm", type=float, default=0.2, help="untimed seconds per turn")
    ap.add_argument("--timed", type=float, default=0.4, help="timed seconds per turn")
    ap.add_argument("--parts", action="store_true",
                    help="time the NumPy lower-bound parts beside PyTorch's step")
    args = ap.parse_args()
    for hidden in args.hidden:
        if args.parts:
            fns = {"torch": torch_step(hidden), "ours": ours_step(hidden),
                   **parts_steps(hidden)}
        else:
            fns = {"ours": ours_step(hidden), "torch": torch_step(hidden),
                   "numpy": numpy_step(hidden), "unrolled": ours_step(hidden, fused=False)}
        times: dict[str, list[float]] = {k: [] for k in fns}
        order = list(fns)
        for r in range(args.rounds):  # a rotating order: no library always follows another
            for k in order[r % len(order):] + order[:r % len(order)]:
                times[k].append(steady_time(fns[k], args.warm, args.timed)[0])
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        if args.parts:
            print(f"hidden {hidden}: " + ", ".join(
                f"{k} {v:.1f} ms ({_ratio(times, k, 'torch'):.2f}x torch)"
                for k, v in med.items()), flush=True)
            continue
        ratios = {f"{a}/{b}": _ratio(times, a, b) for a, b in (
            ("ours", "torch"), ("ours", "numpy"), ("unrolled", "torch"), ("numpy", "torch"))}
        print(f"hidden {hidden}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in med.items())
              + " | " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()), flush=True)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
