"""(a) One training step of an MLP 784-256-256-10, batch 128, float32, ReLU, softmax
cross-entropy, SGD: ours, PyTorch, and a hand-written NumPy floor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from _timing import training_step

SIZES = (784, 256, 256, 10)
BATCH = 128
LR = 0.01


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Inputs (128, 784), labels (128,), and weights (out, in) / biases (out,) per layer."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        layers.append((w, b))
    return x, y, layers


def numpy_step() -> Callable[[], float]:
    """The floor: forward, backward and SGD written out by hand, in place where possible."""
    x, y, layers = make_data()
    # Keep weights as (in, out) so that every product is a plain (or transposed) GEMM.
    ws = [np.ascontiguousarray(w.T) for w, _ in layers]
    bs = [b.copy() for _, b in layers]
    rows = np.arange(BATCH)
    # relu as max against an array of zeros: NumPy's maximum is vectorised only for two
    # arrays, several times faster than against the scalar 0.
    zeros1, zeros2 = (np.zeros((BATCH, k), np.float32) for k in SIZES[1:3])

    def step() -> float:
        h1 = x @ ws[0]
        h1 += bs[0]
        np.maximum(h1, zeros1, out=h1)
        h2 = h1 @ ws[1]
        h2 += bs[1]
        np.maximum(h2, zeros2, out=h2)
        z = h2 @ ws[2]
        z += bs[2]
        # softmax cross-entropy, stable: delta = (softmax(z) - onehot(y)) / N
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.log(s).mean() - z[rows, y].mean())
        e /= s
        e[rows, y] -= 1.0
        e *= 1.0 / BATCH
        d3 = e
        gw3 = h2.T @ d3
        gb3 = d3.sum(axis=0)
        d2 = d3 @ ws[2].T
        d2 *= h2 > 0
        gw2 = h1.T @ d2
        gb2 = d2.sum(axis=0)
        d1 = d2 @ ws[1].T
        d1 *= h1 > 0
        gw1 = x.T @ d1
        gb1 = d1.sum(axis=0)
        for w, g in ((ws[0], gw1), (ws[1], gw2), (ws[2], gw3)):
            w -= LR * g
        for b, g in ((bs[0], gb1), (bs[1], gb2), (bs[2], gb3)):
            b -= LR * g
        return loss

    return step


def torch_step() -> Callable[[], float]:
    """PyTorch 2.13 CPU, written as a user would."""
    import torch

    x, y, layers = make_data()
    lin = []
    for w, b in layers:
        m = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(w))
            m.bias.copy_(torch.from_numpy(b))
        lin.append(m)
    model = torch.nn.Sequential(lin[0], torch.nn.ReLU(), lin[1], torch.nn.ReLU(), lin[2])
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    return training_step(model, opt, loss_fn, xt, yt)


def ours_step() -> Callable[[], float]:
    """This project, written exactly as the PyTorch version."""
    import autograd_core as ag
    import nn
    import optim

    x, y, layers = make_data()
    lin = []
    for w, b in layers:
        m = nn.Linear(w.shape[1], w.shape[0])
        m.weight._data[...] = w
        m.bias._data[...] = b
        lin.append(m)
    model = nn.Sequential(lin[0], nn.ReLU(), lin[1], nn.ReLU(), lin[2])
    opt = optim.SGD(model.parameters(), lr=LR)
    xt, yt = ag.from_numpy(x), ag.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()
    return training_step(model, opt, loss_fn, xt, yt)
