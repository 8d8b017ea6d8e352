"""A character-level LSTM language model trained with truncated backpropagation through time.

The recurrent-model pattern of many tutorials: ``nn.Embedding`` -> ``nn.LSTM(batch_first=True)``
-> ``nn.Linear``, the text cut into ``batch_size`` parallel streams, each step reading the
next ``seq_len`` characters, the hidden state carried over with ``.detach()`` between
steps, ``F.cross_entropy`` on ``logits.view(-1, vocab)``, Adam with
``nn.utils.clip_grad_norm_``, and the perplexity ``math.exp(loss)`` at the end. The batches
are deterministic and the weights start from NumPy draws (seed 17), so the losses are
compared step for step; float32.
"""

import math

from names_data import make_names
from numpy_init import fill_from_numpy


def run(torch, steps: int = 12):
    nn = torch.nn
    F = torch.nn.functional
    text = ".".join(make_names(count=200, seed=18)) + "."
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    vocab = len(chars)
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)

    batch_size, seq_len = 4, 16
    n_per_stream = data.size(0) // batch_size
    streams = data[: n_per_stream * batch_size].view(batch_size, -1)

    class CharLSTM(nn.Module):
        def __init__(self, vocab_size, emb_dim=12, hidden_size=24, num_layers=2):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, emb_dim)
            self.lstm = nn.LSTM(emb_dim, hidden_size, num_layers=num_layers, batch_first=True)
            self.head = nn.Linear(hidden_size, vocab_size)

        def forward(self, x, hidden=None):
            out, hidden = self.lstm(self.embed(x), hidden)
            return self.head(out), hidden

    model = CharLSTM(vocab)
    fill_from_numpy(torch, model, seed=17)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)

    losses, grad_norms = [], []
    hidden = None
    model.train()
    for step in range(steps):
        start = (step * seq_len) % (streams.size(1) - seq_len - 1)
        inputs = streams[:, start:start + seq_len]
        targets = streams[:, start + 1:start + seq_len + 1]
        if hidden is not None:
            hidden = tuple(h.detach() for h in hidden)
        logits, hidden = model(inputs, hidden)
        loss = F.cross_entropy(logits.view(-1, vocab), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())
        grad_norms.append(float(norm))

    model.eval()
    with torch.no_grad():
        logits, (h, c) = model(streams[:, :seq_len])
        eval_loss = F.cross_entropy(logits.reshape(-1, vocab),
                                    streams[:, 1:seq_len + 1].reshape(-1)).item()
    print(f"eval loss {eval_loss:.4f}, perplexity {math.exp(eval_loss):.2f}")
    return {
        "losses": losses,
        "grad_norms": grad_norms,
        "eval_loss": eval_loss,
        "hidden_shape": list(h.shape),
        "cell_shape": list(c.shape),
        "param_names": [name for name, _ in model.named_parameters()],
    }
