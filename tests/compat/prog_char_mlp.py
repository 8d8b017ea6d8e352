"""An MLP character model: embedding table C[X], tanh layer, cross-entropy, randint minibatches.

The second lesson of the language-model courses: contexts of three characters turned into
rows of a lookup table with ``C[X]``, flattened with ``.view(-1, ...)``, a tanh hidden
layer, ``F.cross_entropy``, minibatches drawn with
``torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)``, a step learning-rate decay,
the loss logged in log10, and train/dev losses from a function decorated with
``@torch.no_grad()``. Parameters start from NumPy draws (seed 14).

The minibatch indices come from the library's random stream, which is not PyTorch's, so the
runs are compared on the exact full-data loss before training and, after training, on the
train/dev losses and the mean loss of the last steps within a statistical margin.
"""

import numpy as np
from names_data import make_names


def build_dataset(words, stoi, block_size, torch):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def run(torch, steps: int = 400):
    F = torch.nn.functional
    words = make_names(count=400, seed=15)
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    V = len(stoi)
    block_size, n_embd, n_hidden, batch_size = 3, 6, 64, 32

    order = np.random.default_rng(16).permutation(len(words))
    n1 = int(0.9 * len(words))
    Xtr, Ytr = build_dataset([words[i] for i in order[:n1]], stoi, block_size, torch)
    Xdev, Ydev = build_dataset([words[i] for i in order[n1:]], stoi, block_size, torch)

    rng = np.random.default_rng(14)

    def draw(*shape, scale):
        return torch.tensor((rng.standard_normal(shape) * scale).astype(np.float32))

    C = draw(V, n_embd, scale=1.0)
    W1 = draw(block_size * n_embd, n_hidden, scale=(5 / 3) / (block_size * n_embd) ** 0.5)
    b1 = draw(n_hidden, scale=0.01)
    W2 = draw(n_hidden, V, scale=0.01)
    b2 = draw(V, scale=0.0)
    parameters = [C, W1, b1, W2, b2]
    print(sum(p.nelement() for p in parameters), "parameters")
    for p in parameters:
        p.requires_grad = True

    @torch.no_grad()
    def split_loss(split):
        x, y = {"train": (Xtr, Ytr), "dev": (Xdev, Ydev)}[split]
        emb = C[x]
        h = torch.tanh(emb.view(-1, block_size * n_embd) @ W1 + b1)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, y).item()

    initial = {"train": split_loss("train"), "dev": split_loss("dev")}

    g = torch.Generator().manual_seed(2147483647)
    lossi = []
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, block_size * n_embd) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])

        for p in parameters:
            p.grad = None
        loss.backward()

        lr = 0.2 if i < steps // 2 else 0.05
        for p in parameters:
            p.data += -lr * p.grad

        if i % 100 == 0:
            print(f"{i:7d}/{steps:7d}: {loss.item():.4f}")
        lossi.append(loss.log10().item())

    final = {"train": split_loss("train"), "dev": split_loss("dev")}
    print(final)
    return {
        "initial": initial,
        "final": final,
        "last_mean_log10": float(np.mean(lossi[-100:])),
        "batch_in_range": bool(((ix >= 0) & (ix < Xtr.shape[0])).all()),
        "shapes": [list(Xtr.shape), list(Xdev.shape), list(emb.shape)],
    }
