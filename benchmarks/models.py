"""The sweep's models, written once for both libraries: ``build(lib, case)`` returns a
training (or inference) step closure for ``lib`` "ours" or "torch", the same code with
the imports swapped, the same weights and data.

CNN cases are LeNet-shaped: conv 3x3 pad 1 -> ReLU -> max-pool 2 -> conv 3x3 pad 1 ->
ReLU -> max-pool 2 -> flatten -> linear to 10 classes, cross-entropy. MLP cases are
Linear/ReLU stacks ending in a 10-way (or 2-way) cross-entropy. Training steps use SGD
with momentum 0.9; inference steps run the forward pass under ``no_grad``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LR = 0.01
MOMENTUM = 0.9


@dataclass(frozen=True)
class Case:
    """One sweep point.

    kind: "cnn" or "mlp". For a CNN, ``shape`` is the input (C, H, W) and ``channels``
    the two convolutions' output channels; for an MLP, ``sizes`` the layer widths from
    input to classes. ``train`` False: a forward pass only, under no_grad.
    """

    name: str
    kind: str
    batch: int
    shape: tuple[int, ...] = ()
    channels: tuple[int, int] = (0, 0)
    sizes: tuple[int, ...] = ()
    dtype: str = "float32"
    train: bool = True

    def flops(self) -> float:
        """Floating-point operations of one step: 2 per multiply-add of every convolution
        and linear layer, times 3 for a training step (forward, input gradient, weight
        gradient), once for inference. Elementwise work is not counted."""
        macs = 0
        if self.kind == "cnn":
            c, h, w = self.shape
            c1, c2 = self.channels
            macs += h * w * c1 * c * 9
            h, w = h // 2, w // 2
            macs += h * w * c2 * c1 * 9
            h, w = h // 2, w // 2
            macs += c2 * h * w * 10
        else:
            macs += sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        return 2.0 * macs * self.batch * (3 if self.train else 1)


def make_weights(case: Case, seed: int = 0) -> dict[str, np.ndarray]:
    """Input, labels and PyTorch-layout parameters, drawn as PyTorch's default init
    (uniform in +-1/sqrt(fan_in)), in the case's dtype."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(case.dtype)

    def u(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        b = 1 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(dt)

    d: dict[str, np.ndarray] = {}
    if case.kind == "cnn":
        c, h, w = case.shape
        c1, c2 = case.channels
        classes = 10
        d["x"] = rng.random((case.batch, c, h, w)).astype(dt)
        d["w1"], d["b1"] = u((c1, c, 3, 3), 9 * c), u((c1,), 9 * c)
        d["w2"], d["b2"] = u((c2, c1, 3, 3), 9 * c1), u((c2,), 9 * c1)
        flat = c2 * (h // 4) * (w // 4)
        d["w3"], d["b3"] = u((classes, flat), flat), u((classes,), flat)
    else:
        classes = case.sizes[-1]
        d["x"] = rng.standard_normal((case.batch, case.sizes[0])).astype(dt)
        for i, (a, b) in enumerate(zip(case.sizes[:-1], case.sizes[1:])):
            d[f"w{i}"], d[f"b{i}"] = u((b, a), a), u((b,), a)
    d["y"] = rng.integers(0, classes, case.batch)
    return d


def _model(nn, case: Case):
    if case.kind == "cnn":
        c, h, w = case.shape
        c1, c2 = case.channels
        return nn.Sequential(
            nn.Conv2d(c, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * (h // 4) * (w // 4), 10))
    layers = []
    for a, b in zip(case.sizes[:-1], case.sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _param_names(case: Case) -> list[str]:
    if case.kind == "cnn":
        return ["w1", "b1", "w2", "b2", "w3", "b3"]
    return [f"{p}{i}" for i in range(len(case.sizes) - 1) for p in "wb"]


def build(lib: str, case: Case) -> Callable[[], float]:
    """A step closure for ``lib`` ("ours" or "torch"): the same program either way."""
    if lib == "torch":
        import torch as ag
        from torch import nn, optim

        def load(p, arr):
            with ag.no_grad():
                p.copy_(ag.from_numpy(arr))
    else:
        import autograd_core as ag
        import nn
        import optim

        def load(p, arr):
            p._data[...] = arr

    d = make_weights(case)
    model = _model(nn, case)
    if case.dtype == "float64":
        model = model.double()
    for p, name in zip(model.parameters(), _param_names(case)):
        load(p, d[name])
    x, y = ag.from_numpy(d["x"]), ag.from_numpy(d["y"])
    if not case.train:
        def infer() -> float:
            with ag.no_grad():
                out = model(x)
            return float(out[0, 0].item())

        return infer
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _cnn(name: str, batch: int, shape: tuple[int, int, int], ch: tuple[int, int],
         **kw) -> Case:
    return Case(name, "cnn", batch, shape=shape, channels=ch, **kw)


def _mlp(name: str, batch: int, sizes: tuple[int, ...], **kw) -> Case:
    return Case(name, "mlp", batch, sizes=sizes, **kw)


# Issue 19's cases (float32 training), then float64 and batch-size-1 inference points.
CASES: list[Case] = [
    _cnn("CNN 8x8, 32/64 ch, batch 64", 64, (1, 8, 8), (32, 64)),
    _cnn("CNN 28x28, 8/16 ch, batch 64", 64, (1, 28, 28), (8, 16)),
    _cnn("CNN 28x28, 32/64 ch, batch 64", 64, (1, 28, 28), (32, 64)),
    _cnn("CNN 32x32x3, 32/64 ch, batch 64", 64, (3, 32, 32), (32, 64)),
    _cnn("CNN 32x32x3, 64/128 ch, batch 128", 128, (3, 32, 32), (64, 128)),
    _mlp("MLP 8-8-2, batch 4", 4, (8, 8, 2)),
    _mlp("MLP 784-256-256-10, batch 128", 128, (784, 256, 256, 10)),
    _mlp("MLP 784-1024x3-10, batch 256", 256, (784, 1024, 1024, 1024, 10)),
    _mlp("MLP 1024-4096x2-10, batch 512", 512, (1024, 4096, 4096, 10)),
]
EXTRA_CASES: list[Case] = [
    _cnn("CNN 28x28, 32/64 ch, batch 64, float64", 64, (1, 28, 28), (32, 64),
         dtype="float64"),
    _cnn("CNN 32x32x3, 32/64 ch, batch 64, float64", 64, (3, 32, 32), (32, 64),
         dtype="float64"),
    _mlp("MLP 784-256-256-10, batch 128, float64", 128, (784, 256, 256, 10),
         dtype="float64"),
    _mlp("MLP 784-1024x3-10, batch 256, float64", 256, (784, 1024, 1024, 1024, 10),
         dtype="float64"),
    _cnn("CNN 28x28, 8/16 ch, batch 1, inference", 1, (1, 28, 28), (8, 16), train=False),
    _cnn("CNN 32x32x3, 32/64 ch, batch 1, inference", 1, (3, 32, 32), (32, 64),
         train=False),
    _mlp("MLP 784-256-256-10, batch 1, inference", 1, (784, 256, 256, 10), train=False),
    _mlp("MLP 1024-4096x2-10, batch 1, inference", 1, (1024, 4096, 4096, 10),
         train=False),
]
