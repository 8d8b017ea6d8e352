"""(b) One training step of a LeNet-style CNN: input (64,1,28,28), conv 1->8 3x3 pad 1,
ReLU, maxpool 2, conv 8->16 3x3 pad 1, ReLU, maxpool 2, flatten, linear 784->10,
cross-entropy, SGD: ours, PyTorch, and a hand-written NumPy floor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from _timing import training_step

BATCH = 64
LR = 0.01


def make_data(seed: int = 0) -> dict[str, np.ndarray]:
    """Input, labels and PyTorch-layout weights (conv: (F, C, 3, 3); linear: (10, 784))."""
    rng = np.random.default_rng(seed)

    def u(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        b = 1 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(np.float32)

    return {
        "x": rng.random((BATCH, 1, 28, 28)).astype(np.float32),
        "y": rng.integers(0, 10, BATCH),
        "w1": u((8, 1, 3, 3), 9), "b1": u((8,), 9),
        "w2": u((16, 8, 3, 3), 72), "b2": u((16,), 72),
        "w3": u((10, 784), 784), "b3": u((10,), 784),
    }


def _pad_chwn(x: np.ndarray) -> np.ndarray:
    """(C, H, W, N) -> (C, H+2, W+2, N) with a zero border."""
    c, h, w, n = x.shape
    xp = np.zeros((c, h + 2, w + 2, n), dtype=x.dtype)
    xp[:, 1:-1, 1:-1, :] = x
    return xp


def _im2col_chwn(xp: np.ndarray) -> np.ndarray:
    """Padded (C, H+2, W+2, N) -> (9*C, H*W*N) columns, rows in (kh, kw, c) order: one
    strided copy per kernel offset, each moving runs of W*N contiguous numbers."""
    c, hp, wp, n = xp.shape
    h, w = hp - 2, wp - 2
    cols = np.empty((3, 3, c, h, w, n), dtype=xp.dtype)
    for i in range(3):
        for j in range(3):
            cols[i, j] = xp[:, i:i + h, j:j + w, :]
    return cols.reshape(9 * c, h * w * n)


def _col2im_chwn(dcols: np.ndarray, c: int, h: int, w: int, n: int) -> np.ndarray:
    """Adjoint of _im2col_chwn, cropped to the unpadded (C, H, W, N) (a view)."""
    d = dcols.reshape(3, 3, c, h, w, n)
    dxp = np.zeros((c, h + 2, w + 2, n), dtype=dcols.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + w, :] += d[i, j]
    return dxp[:, 1:-1, 1:-1, :]


def _long_product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x (p, m) @ y (m, q) for a small result and a long m, in ~256 KiB blocks along m:
    OpenBLAS runs this shape (a conv weight gradient) several times faster that way."""
    p, m = x.shape
    blk = max(256, (256 * 1024 // (x.itemsize * (p + y.shape[1]))) // 64 * 64)
    out = x[:, :blk] @ y[:blk]
    for i in range(blk, m, blk):
        out += x[:, i:i + blk] @ y[i:i + blk]
    return out


def _pool(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pool of (C, H, W, N) and the mask of the maxima (ties only occur at relu's
    zeros, where relu's own mask zeroes the gradient anyway)."""
    c, hh, ww, n = h.shape
    p = np.maximum(np.maximum(h[:, 0::2, 0::2], h[:, 0::2, 1::2]),
                   np.maximum(h[:, 1::2, 0::2], h[:, 1::2, 1::2]))
    mask = h.reshape(c, hh // 2, 2, ww // 2, 2, n) == p[:, :, None, :, None, :]
    return p, mask


def numpy_step() -> Callable[[], float]:
    """The floor: activations laid out (C, H, W, N) so that im2col and col2im move long
    contiguous runs and every layer is one GEMM with no transposes; in-place updates."""
    d = make_data()
    x = np.ascontiguousarray(d["x"].transpose(1, 2, 3, 0))  # (C, H, W, N)
    y = d["y"]
    w1 = np.ascontiguousarray(d["w1"].transpose(0, 2, 3, 1).reshape(8, 9))
    w2 = np.ascontiguousarray(d["w2"].transpose(0, 2, 3, 1).reshape(16, 72))
    # (C, H, W) flattened in that order is PyTorch's NCHW flatten: the same w3.
    w3 = d["w3"].copy()
    b1, b2, b3 = d["b1"].copy(), d["b2"].copy(), d["b3"].copy()
    cols_n = np.arange(BATCH)
    n = BATCH
    xp = _pad_chwn(x)  # the input is constant, so its padding is done once
    # relu as max against arrays of zeros: NumPy's maximum is vectorised only for two
    # arrays, several times faster than against the scalar 0.
    zeros1 = np.zeros((8, 28 * 28 * n), np.float32)
    zeros2 = np.zeros((16, 14 * 14 * n), np.float32)

    def step() -> float:
        c1 = _im2col_chwn(xp)
        y1 = w1 @ c1  # (8, 28*28*N)
        y1 += b1[:, None]
        np.maximum(y1, zeros1, out=y1)
        y1 = y1.reshape(8, 28, 28, n)
        p1, m1 = _pool(y1)
        c2 = _im2col_chwn(_pad_chwn(p1))
        y2 = w2 @ c2  # (16, 14*14*N)
        y2 += b2[:, None]
        np.maximum(y2, zeros2, out=y2)
        y2 = y2.reshape(16, 14, 14, n)
        p2, m2 = _pool(y2)
        flat = p2.reshape(784, n)  # column k of sample n: PyTorch's flatten order
        z = w3 @ flat  # logits, transposed: (10, N)
        z += b3[:, None]
        z -= z.max(axis=0, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=0, keepdims=True)
        loss = float(np.log(s).mean() - z[y, cols_n].mean())
        e /= s
        e[y, cols_n] -= 1.0
        e *= 1.0 / n
        gw3 = e @ flat.T
        gb3 = e.sum(axis=1)
        dp2 = (w3.T @ e).reshape(16, 7, 1, 7, 1, n)
        dy2 = (m2 * dp2).reshape(16, 14, 14, n)
        dy2 *= y2 > 0
        dy2m = dy2.reshape(16, -1)
        gw2 = _long_product(dy2m, c2.T)
        gb2 = dy2m.sum(axis=1)
        dp1 = _col2im_chwn(w2.T @ dy2m, 8, 14, 14, n)[:, :, None, :, None, :]
        dy1 = (m1 * dp1).reshape(8, 28, 28, n)
        dy1 *= y1 > 0
        dy1m = dy1.reshape(8, -1)
        gw1 = _long_product(dy1m, c1.T)
        gb1 = dy1m.sum(axis=1)
        for p, g in ((w1, gw1), (w2, gw2), (w3, gw3), (b1, gb1), (b2, gb2), (b3, gb3)):
            p -= LR * g  # noqa: B909
        return loss

    return step


def _lenet(mod, d: dict[str, np.ndarray], to_param):
    conv1 = mod.Conv2d(1, 8, 3, padding=1)
    conv2 = mod.Conv2d(8, 16, 3, padding=1)
    fc = mod.Linear(784, 10)
    for layer, w, b in ((conv1, "w1", "b1"), (conv2, "w2", "b2"), (fc, "w3", "b3")):
        to_param(layer.weight, d[w])
        to_param(layer.bias, d[b])
    return mod.Sequential(conv1, mod.ReLU(), mod.MaxPool2d(2), conv2, mod.ReLU(),
                          mod.MaxPool2d(2), mod.Flatten(), fc)


def torch_step() -> Callable[[], float]:
    """PyTorch 2.13 CPU, written as a user would."""
    import torch

    d = make_data()

    def to_param(p, arr):
        with torch.no_grad():
            p.copy_(torch.from_numpy(arr))

    model = _lenet(torch.nn, d, to_param)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = torch.from_numpy(d["x"]), torch.from_numpy(d["y"])
    return training_step(model, opt, loss_fn, x, y)


def ours_step() -> Callable[[], float]:
    """This project, written exactly as the PyTorch version."""
    import autograd_core as ag
    import nn
    import optim

    d = make_data()

    def to_param(p, arr):
        p._data[...] = arr

    model = _lenet(nn, d, to_param)
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x, y = ag.from_numpy(d["x"]), ag.from_numpy(d["y"])
    return training_step(model, opt, loss_fn, x, y)
