"""The bigram model again as a one-layer network trained by gradient descent on one-hot inputs.

The second half of the counting lesson: inputs and targets as int64 tensors built from
Python lists, ``F.one_hot(xs, num_classes=V).float()``, logits ``xenc @ W``, softmax written
out as ``exp`` and a row normalisation, the loss ``-probs[torch.arange(num), ys].log().mean()``
plus a small ``(W**2).mean()`` penalty, ``W.grad = None`` before ``loss.backward()`` and the
update ``W.data += -lr * W.grad``. ``W`` starts from NumPy normal draws (seed 13), so the
loss trajectory is compared step for step; float32.
"""

import numpy as np
from names_data import make_names


def run(torch, steps: int = 30):
    F = torch.nn.functional
    words = make_names()
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    V = len(stoi)

    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs = torch.tensor(xs)
    ys = torch.tensor(ys)
    num = xs.nelement()
    print("number of examples:", num)

    W = torch.tensor(np.random.default_rng(13).standard_normal((V, V)).astype(np.float32),
                     requires_grad=True)

    losses = []
    for _ in range(steps):
        xenc = F.one_hot(xs, num_classes=V).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
        losses.append(loss.item())

        W.grad = None
        loss.backward()
        W.data += -20 * W.grad

    print(f"loss after {steps} steps: {losses[-1]:.4f}")
    return {"losses": losses, "W_row0": W[0].tolist(), "num": num, "xenc_dtype": str(xenc.dtype)}
