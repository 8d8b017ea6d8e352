"""A small CNN (Conv2d, BatchNorm2d, MaxPool2d, Dropout) trained a few steps with SGD and with Adam.

Course-style image classifier on 8x8 single-channel pictures of three kinds of stroke
(horizontal, vertical, diagonal, plus noise) made with NumPy: ``nn.Sequential`` of two
conv-batchnorm-relu-pool stages, ``nn.Flatten``, ``nn.Dropout`` and a ``nn.Linear`` head;
``model.train()`` for the steps, ``model.eval()`` for accuracy and the running statistics.
The convolutions have no bias, as usual before a batchnorm (which would cancel it; under
Adam such a bias drifts on rounding noise, since its gradient is zero up to rounding).
Starting weights come from NumPy (seed 3); each optimizer trains its own copy.

Dropout draws its mask from the library's random stream, which is not PyTorch's: with the
default ``dropout=0.25`` the two runs differ step by step and are compared on what does not
depend on the mask; ``run(torch, dropout=0.0)`` keeps the same program deterministic, and
its losses are compared step for step.
"""

import numpy as np
from numpy_init import fill_from_numpy


def make_strokes(n: int = 96, seed: int = 4):
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 0.3, size=(n, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, size=n)
    for i, kind in enumerate(labels):
        at = rng.integers(1, 7)
        if kind == 0:
            images[i, 0, at, :] += 1.0
        elif kind == 1:
            images[i, 0, :, at] += 1.0
        else:
            images[i, 0, np.arange(8), np.arange(8)] += 1.0
    return images, labels.astype(np.int64)


def run(torch, dropout: float = 0.25, steps: int = 8):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(0)

    def build():
        model = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(p=dropout),
            nn.Linear(16 * 2 * 2, 3),
        )
        fill_from_numpy(torch, model, seed=3)
        return model

    images, labels = make_strokes()
    X = torch.tensor(images)
    y = torch.tensor(labels)
    batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, len(X), 32)]

    results = {}
    for opt_name in ("sgd", "adam"):
        model = build()
        if opt_name == "sgd":
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        else:
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        model.train()
        for step in range(steps):
            xb, yb = batches[step % len(batches)]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

        model.eval()
        with torch.no_grad():
            logits = model(X)
            again = model(X)
            accuracy = (logits.argmax(dim=1) == y).float().mean().item()
        bn = model[1]
        results[opt_name] = {
            "losses": losses,
            "accuracy": accuracy,
            "eval_repeatable": bool(torch.equal(logits, again)),
            "running_mean": bn.running_mean.tolist(),
            "running_var": bn.running_var.tolist(),
            "num_batches_tracked": int(bn.num_batches_tracked),
            "eval_logits": logits[:4].tolist(),
        }

    # In train mode dropout zeroes about p of the features and scales the rest by 1/(1-p).
    drop = nn.Dropout(p=dropout)
    drop.train()
    ones = torch.ones(200, 100)
    dropped = drop(ones)
    results["dropout_zero_fraction"] = (dropped == 0).float().mean().item()
    results["dropout_kept_value"] = dropped.max().item()
    return results
