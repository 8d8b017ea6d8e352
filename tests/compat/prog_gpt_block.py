"""A tiny GPT: causal self-attention from matmul, masked_fill and softmax, GELU MLP, AdamW.

The decoder-only transformer of many courses, written out: token and position
``nn.Embedding`` tables, blocks of pre-norm ``nn.LayerNorm`` -> causal self-attention ->
residual and ``nn.LayerNorm`` -> MLP (``nn.GELU``) -> residual; attention computes q, k, v
with one ``nn.Linear`` and ``.split(n_embd, dim=2)``, heads with ``.view`` and
``.transpose(1, 2)``, scores ``q @ k.transpose(-2, -1) / sqrt(d)``, the causal mask from a
``torch.tril`` buffer with ``masked_fill(mask == 0, float('-inf'))``, ``F.softmax`` and
attention dropout, then ``.transpose(1, 2).contiguous().view(B, T, C)``. The output head
shares its weight with the token table; AdamW with weight decay only on the matrices;
``F.cross_entropy(logits.view(-1, V), targets.view(-1))``. The manual attention is also
checked against ``F.scaled_dot_product_attention(..., is_causal=True)``.

Batches start at offsets drawn with NumPy and the weights come from NumPy (seed 19), so the
losses are compared step for step (``dropout=0.0``, the default here; dropout's masks come
from the library's random stream).
"""

import math

import numpy as np
from names_data import make_names
from numpy_init import fill_from_numpy


def run(torch, steps: int = 6, dropout: float = 0.0):
    nn = torch.nn
    F = torch.nn.functional

    block_size, n_embd, n_head, n_layer = 16, 32, 4, 2

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.attn_dropout = nn.Dropout(dropout)
            self.resid_dropout = nn.Dropout(dropout)
            self.register_buffer(
                "bias", torch.tril(torch.ones(block_size, block_size))
                .view(1, 1, block_size, block_size))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
            q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
            v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.resid_dropout(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * n_embd, n_embd)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    class GPT(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                drop=nn.Dropout(dropout),
                h=nn.ModuleList([Block() for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd),
            ))
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight

        def forward(self, idx, targets=None):
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long)
            x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss

    text = ".".join(make_names(count=150, seed=20))
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    offsets = np.random.default_rng(21).integers(0, len(data) - block_size - 1, size=(steps, 4))

    def get_batch(step):
        ix = offsets[step]
        x = torch.stack([data[i:i + block_size] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + block_size] for i in ix])
        return x, y

    model = GPT(len(chars))
    fill_from_numpy(torch, model, seed=19)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"number of parameters: {n_params / 1e3:.2f}K")

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=3e-3, betas=(0.9, 0.95))

    losses = []
    model.train()
    for step in range(steps):
        xb, yb = get_batch(step)
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item():.4f}")

    model.eval()
    attn = model.transformer.h[0].attn
    with torch.no_grad():
        x = model.transformer.ln_f(model.transformer.wte(get_batch(0)[0]))
        B, T, C = x.shape
        q, k, v = attn.c_attn(x).split(n_embd, dim=2)
        q, k, v = (z.view(B, T, n_head, C // n_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(attn.bias[:, :, :T, :T] == 0, float("-inf")).softmax(dim=-1)
        manual = att @ v
        fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        sdpa_diff = (manual - fused).abs().max().item()
        eval_logits, eval_loss = model(*get_batch(0))

    return {
        "losses": losses,
        "n_params": n_params,
        "eval_loss": eval_loss.item(),
        "eval_logits": eval_logits[0, -1].tolist(),
        "sdpa_diff": sdpa_diff,
        "tied": model.lm_head.weight is model.transformer.wte.weight,
        "state_keys": list(model.state_dict().keys()),
    }
