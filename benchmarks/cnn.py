"""(b) One training step of a LeNet-style CNN: input (64,1,28,28), conv 1->8 3x3 pad 1,
ReLU, maxpool 2, conv 8->16 3x3 pad 1, ReLU, maxpool 2, flatten, linear 784->10,
cross-entropy, SGD: ours, PyTorch, and a hand-written NumPy floor."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from _timing import training_step
from numpy.lib.stride_tricks import sliding_window_view

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


def _im2col_nhwc(xp: np.ndarray) -> np.ndarray:
    """(N, H+2, W+2, C) padded -> (N*H*W, 9*C) rows of 3x3 patches, (kh, kw, c) order."""
    n, hp, wp, c = xp.shape
    win = sliding_window_view(xp, (3, 3), axis=(1, 2))  # (N, H, W, C, 3, 3)
    return win.transpose(0, 1, 2, 4, 5, 3).reshape(n * (hp - 2) * (wp - 2), 9 * c)


def _col2im_nhwc(dcols: np.ndarray, n: int, h: int, w: int, c: int) -> np.ndarray:
    """Adjoint of _im2col_nhwc, cropped to the unpadded (N, H, W, C)."""
    d = dcols.reshape(n, h, w, 3, 3, c)
    dxp = np.zeros((n, h + 2, w + 2, c), dtype=dcols.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + w, :] += d[:, :, :, i, j, :]
    return dxp[:, 1:-1, 1:-1, :]


def _pool(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pool of NHWC and the mask of the maxima (ties only occur at relu's zeros,
    where relu's own mask zeroes the gradient anyway)."""
    n, hh, ww, c = h.shape
    r = h.reshape(n, hh // 2, 2, ww // 2, 2, c)
    p = r.max(axis=(2, 4))
    mask = r == p[:, :, None, :, None, :]
    return p, mask


def numpy_step() -> Callable[[], float]:
    """The floor: NHWC layout, im2col as strided views, GEMMs, in-place updates."""
    d = make_data()
    x = np.ascontiguousarray(d["x"].transpose(0, 2, 3, 1))  # NHWC
    y = d["y"]
    w1 = np.ascontiguousarray(d["w1"].transpose(2, 3, 1, 0).reshape(9, 8))
    w2 = np.ascontiguousarray(d["w2"].transpose(2, 3, 1, 0).reshape(72, 16))
    # Linear weights reordered from PyTorch's NCHW flatten order to this floor's NHWC one,
    # so that the floor computes exactly the same function (same losses as PyTorch).
    w3 = np.ascontiguousarray(d["w3"].reshape(10, 16, 7, 7).transpose(2, 3, 1, 0).reshape(784, 10))
    b1, b2, b3 = d["b1"].copy(), d["b2"].copy(), d["b3"].copy()
    rows = np.arange(BATCH)
    n = BATCH

    def step() -> float:
        xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        c1 = _im2col_nhwc(xp)
        y1 = (c1 @ w1).reshape(n, 28, 28, 8)
        y1 += b1
        np.maximum(y1, 0, out=y1)
        p1, m1 = _pool(y1)
        p1p = np.pad(p1, ((0, 0), (1, 1), (1, 1), (0, 0)))
        c2 = _im2col_nhwc(p1p)
        y2 = (c2 @ w2).reshape(n, 14, 14, 16)
        y2 += b2
        np.maximum(y2, 0, out=y2)
        p2, m2 = _pool(y2)
        flat = p2.reshape(n, 784)
        z = flat @ w3
        z += b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.log(s).mean() - z[rows, y].mean())
        e /= s
        e[rows, y] -= 1.0
        e *= 1.0 / n
        gw3 = flat.T @ e
        gb3 = e.sum(axis=0)
        dp2 = (e @ w3.T).reshape(n, 7, 1, 7, 1, 16)
        dy2 = (m2 * dp2).reshape(n, 14, 14, 16)
        dy2 *= y2 > 0
        dy2f = dy2.reshape(-1, 16)
        gw2 = c2.T @ dy2f
        gb2 = dy2f.sum(axis=0)
        dp1 = _col2im_nhwc(dy2f @ w2.T, n, 14, 14, 8).reshape(n, 14, 1, 14, 1, 8)
        dy1 = (m1 * dp1).reshape(n, 28, 28, 8)
        dy1 *= y1 > 0
        dy1f = dy1.reshape(-1, 8)
        gw1 = c1.T @ dy1f
        gb1 = dy1f.sum(axis=0)
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
        p.data[...] = arr

    model = _lenet(nn, d, to_param)
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x, y = ag.from_numpy(d["x"]), ag.from_numpy(d["y"])
    return training_step(model, opt, loss_fn, x, y)
