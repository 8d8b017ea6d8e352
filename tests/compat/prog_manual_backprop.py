"""Backpropagate by hand through a 2-layer MLP with batchnorm and cross-entropy; check autograd.

The exercise of many courses: write the forward pass as small named steps, call
``retain_grad()`` on every intermediate, run ``loss.backward()``, then derive each gradient
by hand (``dlogits = softmax - onehot``, the batchnorm backward, the tanh backward, the
embedding scatter) and compare it with ``.grad`` using ``torch.all(a == b)``,
``torch.allclose`` and the largest difference. Finally the fused shortcut
``F.cross_entropy`` / ``dlogits = (softmax - onehot) / n`` is checked against the long form.
Uses indexing with ``range``, ``keepdims=``, ``max(...).values``, ``F.one_hot``. All
parameters come from NumPy (seed 5); float32 throughout.
"""

import numpy as np


def run(torch):
    F = torch.nn.functional
    rng = np.random.default_rng(5)
    vocab, n_embd, block, n_hidden, n = 12, 4, 3, 32, 24

    def param(*shape, scale=1.0):
        return torch.tensor((rng.standard_normal(shape) * scale).astype(np.float32),
                            requires_grad=True)

    C = param(vocab, n_embd)
    W1 = param(n_embd * block, n_hidden, scale=5 / 3 / (n_embd * block) ** 0.5)
    b1 = param(n_hidden, scale=0.1)
    W2 = param(n_hidden, vocab, scale=0.1)
    b2 = param(vocab, scale=0.1)
    bngain = param(1, n_hidden, scale=0.1)
    bnbias = param(1, n_hidden, scale=0.1)
    with torch.no_grad():
        bngain += 1.0
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]

    Xb = torch.tensor(rng.integers(0, vocab, size=(n, block)))
    Yb = torch.tensor(rng.integers(0, vocab, size=n))

    # forward pass, in small steps
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()

    intermediates = [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits,
                     logit_maxes, logits, h, hpreact, bnraw, bnvar_inv, bnvar, bndiff2, bndiff,
                     bnmeani, hprebn, embcat, emb]
    for p in parameters:
        p.grad = None
    for t in intermediates:
        t.retain_grad()
    loss.backward()

    # backward pass, by hand
    dlogprobs = torch.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-counts_sum ** -2) * dcounts_sum_inv
    dcounts += torch.ones_like(counts) * dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.clone()
    dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
    dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h ** 2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnraw = bngain * dhpreact
    dbnbias = dhpreact.sum(0, keepdim=True)
    dbndiff = bnvar_inv * dbnraw
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
    dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
    dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
    dbndiff += 2 * bndiff * dbndiff2
    dhprebn = dbndiff.clone()
    dbnmeani = (-dbndiff).sum(0)
    dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            dC[Xb[k, j]] += demb[k, j]

    def cmp(name, dt, t):
        exact = torch.all(dt == t.grad).item()
        approx = torch.allclose(dt, t.grad, rtol=1e-4, atol=1e-6)
        maxdiff = (dt - t.grad).abs().max().item()
        print(f"{name:15s} | exact: {str(exact):5s} | approximate: {str(approx):5s} "
              f"| maxdiff: {maxdiff}")
        return approx, maxdiff

    checks = {
        "logprobs": cmp("logprobs", dlogprobs, logprobs),
        "probs": cmp("probs", dprobs, probs),
        "counts_sum_inv": cmp("counts_sum_inv", dcounts_sum_inv, counts_sum_inv),
        "counts_sum": cmp("counts_sum", dcounts_sum, counts_sum),
        "counts": cmp("counts", dcounts, counts),
        "norm_logits": cmp("norm_logits", dnorm_logits, norm_logits),
        "logit_maxes": cmp("logit_maxes", dlogit_maxes, logit_maxes),
        "logits": cmp("logits", dlogits, logits),
        "h": cmp("h", dh, h),
        "W2": cmp("W2", dW2, W2),
        "b2": cmp("b2", db2, b2),
        "hpreact": cmp("hpreact", dhpreact, hpreact),
        "bngain": cmp("bngain", dbngain, bngain),
        "bnbias": cmp("bnbias", dbnbias, bnbias),
        "bnraw": cmp("bnraw", dbnraw, bnraw),
        "bnvar_inv": cmp("bnvar_inv", dbnvar_inv, bnvar_inv),
        "bnvar": cmp("bnvar", dbnvar, bnvar),
        "bndiff2": cmp("bndiff2", dbndiff2, bndiff2),
        "bndiff": cmp("bndiff", dbndiff, bndiff),
        "bnmeani": cmp("bnmeani", dbnmeani, bnmeani),
        "hprebn": cmp("hprebn", dhprebn, hprebn),
        "embcat": cmp("embcat", dembcat, embcat),
        "W1": cmp("W1", dW1, W1),
        "b1": cmp("b1", db1, b1),
        "emb": cmp("emb", demb, emb),
        "C": cmp("C", dC, C),
    }

    # the fused forms: cross_entropy in one call, dlogits = (softmax - onehot) / n
    loss_fast = F.cross_entropy(logits, Yb)
    dlogits_fast = F.softmax(logits, 1)
    dlogits_fast[range(n), Yb] -= 1
    dlogits_fast /= n
    fused = cmp("logits (fused)", dlogits_fast, logits)

    return {
        "loss": loss.item(),
        "loss_fast": loss_fast.item(),
        "checks": checks,
        "fused": fused,
        "dC": dC.tolist(),
        "dW1": dW1.tolist(),
        "dbngain": dbngain.tolist(),
    }
