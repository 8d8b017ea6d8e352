"""A character language model as an nn.Module with a generate() loop built on torch.multinomial.

The "bigram language model" module of many courses: an ``nn.Embedding(V, V)`` table whose
rows are the next-character logits, ``forward(idx, targets)`` reshaping ``(B, T, C)`` to
``(B*T, C)`` for ``F.cross_entropy``, a few AdamW steps, and ``generate`` that repeatedly
takes the last position's logits, divides by a temperature, optionally keeps the top k
(``torch.topk`` and ``logits[logits < v[:, [-1]]] = -float('Inf')``), samples with
``torch.multinomial(probs, num_samples=1, generator=g)`` and appends with ``torch.cat``.

Training batches are fixed and the table starts from NumPy draws (seed 22), so the losses
are compared step for step, and greedy decoding (argmax) must give the same text.
Multinomial sampling draws from the library's random stream, which is not PyTorch's: those
samples are compared on statistics (2,000 parallel first characters against the model's
probabilities), on validity (top-k samples stay in the top k) and on repeatability (the
same seed gives the same text).
"""

import numpy as np
from names_data import make_names


def run(torch, steps: int = 25):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(1337)

    text = "\n".join(make_names(count=300, seed=23)) + "\n"
    chars = sorted(set(text))
    vocab_size = len(chars)
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}

    def encode(s):
        return [stoi[c] for c in s]

    def decode(ix):
        return "".join(itos[i] for i in ix)

    data = torch.tensor(encode(text), dtype=torch.long)
    block_size, batch_size = 8, 16
    offsets = np.random.default_rng(24).integers(0, len(data) - block_size, (steps, batch_size))

    class BigramLanguageModel(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

        def forward(self, idx, targets=None):
            logits = self.token_embedding_table(idx)
            if targets is None:
                return logits, None
            B, T, C = logits.shape
            logits = logits.view(B * T, C)
            targets = targets.view(B * T)
            return logits, F.cross_entropy(logits, targets)

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, greedy=False,
                     generator=None):
            for _ in range(max_new_tokens):
                logits, _ = self(idx[:, -block_size:])
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                if greedy:
                    idx_next = probs.argmax(dim=-1, keepdim=True)
                else:
                    idx_next = torch.multinomial(probs, num_samples=1, generator=generator)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    model = BigramLanguageModel(vocab_size)
    with torch.no_grad():
        table = np.random.default_rng(22).standard_normal((vocab_size, vocab_size))
        model.token_embedding_table.weight.copy_(torch.tensor(table, dtype=torch.float32))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-1)

    losses = []
    for step in range(steps):
        ix = offsets[step]
        xb = torch.stack([data[i:i + block_size] for i in ix])
        yb = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    start = torch.zeros((1, 1), dtype=torch.long)
    greedy_text = decode(model.generate(start, 20, greedy=True)[0].tolist())

    g = torch.Generator().manual_seed(42)
    sampled = decode(model.generate(start, 40, generator=g)[0].tolist())
    g = torch.Generator().manual_seed(42)
    sampled_again = decode(model.generate(start, 40, generator=g)[0].tolist())
    print(sampled)

    g = torch.Generator().manual_seed(7)
    top3 = model.generate(start, 30, top_k=3, temperature=0.8, generator=g)[0].tolist()
    probs_all = F.softmax(model.token_embedding_table.weight / 0.8, dim=-1)
    allowed = torch.topk(probs_all, 3, dim=-1).indices.tolist()
    top_k_ok = all(b in allowed[a] for a, b in zip(top3, top3[1:]))

    starts = torch.zeros((2000, 1), dtype=torch.long)
    first = model.generate(starts, 1)[:, 1]
    frequencies = torch.bincount(first, minlength=vocab_size).float() / 2000
    with torch.no_grad():
        first_probs = F.softmax(model(start)[0][0, -1], dim=-1)

    return {
        "losses": losses,
        "greedy_text": greedy_text,
        "sampled": sampled,
        "sampled_again": sampled_again,
        "top_k_ok": top_k_ok,
        "first_frequencies": frequencies.tolist(),
        "first_probs": first_probs.tolist(),
        "alphabet": "".join(chars),
    }
