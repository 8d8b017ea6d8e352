"""(f) One training step of a small GPT-style language model: token and position
embeddings, 4 pre-norm transformer blocks (4 heads, width 128, feed-forward 512, GELU
(tanh form),
causal self-attention), a final LayerNorm and a linear head over 65 symbols; batch 32,
context 64, float32, cross-entropy on the next symbol, SGD: ours and PyTorch, running
the same model code (``GPT`` below, written once against a library's ``nn``).

There is no hand-written NumPy floor for this one: a transformer's backward written out
by hand (layer norms, softmax, GELU, four blocks) is a program of its own, and the
point here is the ratio to PyTorch. Run alone, the module times instead, in one process
taking turns, PyTorch's step, ours, and the step's linear-layer products alone (forward,
delta x and delta W of every ``nn.Linear`` and attention projection) in NumPy and in
PyTorch: what the two libraries' matrix products cost, and so how much of each step is
the rest.

    python benchmarks/gpt.py --rounds 7
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

VOCAB = 65
WIDTH = 128
HEADS = 4
LAYERS = 4
CONTEXT = 64
BATCH = 32
LR = 0.01
# GPT-2's GELU, the tanh approximation; "none" (erf) costs this library more: its
# vectorised erf (autograd_core/ops/_erf.py, float64 inside) takes some 20-40 ms per
# million numbers where torch's takes under 2.
GELU = "tanh"


def make_model(lib: Any) -> Any:
    """The model class for ``lib`` (``autograd_core`` or ``torch``): the same code."""
    nn = lib.nn

    class GPT(nn.Module):
        """idx (B, T) int64 -> logits (B, T, VOCAB)."""

        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(VOCAB, WIDTH)
            self.pos = nn.Embedding(CONTEXT, WIDTH)
            block = nn.TransformerEncoderLayer(WIDTH, HEADS, 4 * WIDTH, dropout=0.0,
                                               activation=nn.GELU(approximate=GELU),
                                               batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(block, LAYERS, norm=nn.LayerNorm(WIDTH),
                                                enable_nested_tensor=False)
            self.head = nn.Linear(WIDTH, VOCAB)
            self.register_buffer("causal", lib.full((CONTEXT, CONTEXT), float("-inf"))
                                 .triu(diagonal=1), persistent=False)
            self.register_buffer("positions", lib.arange(CONTEXT), persistent=False)

        def forward(self, idx: Any) -> Any:
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(self.positions[:t])
            x = self.blocks(x, mask=self.causal[:t, :t], is_causal=True)
            return self.head(x)

    return GPT


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Inputs (B, T) and next-symbol targets (B, T) drawn from VOCAB, and a state dict:
    LayerNorm weights 1 and biases 0, every other tensor N(0, 0.02^2) (GPT-2's init)."""
    rng = np.random.default_rng(seed)
    seq = rng.integers(0, VOCAB, (BATCH, CONTEXT + 1))
    import torch

    shapes = {k: tuple(v.shape) for k, v in make_model(torch)().state_dict().items()}
    state = {}
    for name, shape in shapes.items():
        if ".norm" in name or name.startswith("blocks.norm"):
            state[name] = np.full(shape, 1.0 if name.endswith("weight") else 0.0, np.float32)
        else:
            state[name] = (0.02 * rng.standard_normal(shape)).astype(np.float32)
    return seq[:, :-1], seq[:, 1:], state


def _step(lib: Any, model: Any, x: Any, y: Any) -> Callable[[], float]:
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step() -> float:
        opt.zero_grad()
        logits = model(x)
        loss = loss_fn(logits.reshape(-1, VOCAB), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_step() -> Callable[[], float]:
    """PyTorch 2.13 CPU (its attention runs as one fused kernel per call)."""
    import torch

    x, y, state = make_data()
    model = make_model(torch)()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return _step(torch, model, torch.from_numpy(x), torch.from_numpy(y))


def ours_step() -> Callable[[], float]:
    """This project, the same model code."""
    import autograd_core as ag

    x, y, state = make_data()
    model = make_model(ag)()
    model.load_state_dict({k: ag.from_numpy(v) for k, v in state.items()})
    return _step(ag, model, ag.from_numpy(x), ag.from_numpy(y))


def _product_shapes() -> list[tuple[int, int, int]]:
    """(rows, in, out) of every linear product in one step: per layer the fused q/k/v
    projection, the output projection and the two feed-forward layers, then the head."""
    rows, w = BATCH * CONTEXT, WIDTH
    return [(rows, w, 3 * w), (rows, w, w), (rows, w, 4 * w), (rows, 4 * w, w)] * LAYERS + [
        (rows, w, VOCAB)]


def products_step(lib: str) -> Callable[[], None]:
    """Forward, delta x and delta W of each product of ``_product_shapes``, float32, in
    NumPy (``lib="numpy"``) or PyTorch (``lib="torch"``)."""
    rng = np.random.default_rng(0)
    arrays = [(rng.standard_normal((m, k)).astype(np.float32),
               rng.standard_normal((n, k)).astype(np.float32),
               rng.standard_normal((m, n)).astype(np.float32)) for m, k, n in _product_shapes()]
    if lib == "torch":
        import torch

        arrays = [tuple(torch.from_numpy(a) for a in t) for t in arrays]

    def step() -> None:
        for x, w, g in arrays:
            _ = x @ w.T
            _ = g @ w
            _ = g.T @ x

    return step


def main() -> None:
    """PyTorch's step, ours and the products alone, taking turns; medians over rounds."""
    import argparse
    import statistics

    from _timing import steady_time

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    fns = {"torch step": torch_step(), "ours step": ours_step(),
           "numpy products": products_step("numpy"), "torch products": products_step("torch")}
    times: dict[str, list[float]] = {k: [] for k in fns}
    order = list(fns)
    for r in range(args.rounds):
        for k in order[r % len(order):] + order[:r % len(order)]:
            times[k].append(steady_time(fns[k], 0.3, 0.6)[0])
    base = times["torch step"]
    print(", ".join(f"{k} {statistics.median(v) * 1e3:.1f} ms "
                    f"({statistics.median(a / b for a, b in zip(v, base)):.2f}x torch step)"
                    for k, v in times.items()))


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
