"""Train a character-level language model on first names, from bigram counts to a
transformer, and keep what the run produced.

    python examples/charlm.py --model bigram        # a table of next-letter scores
    python examples/charlm.py --model mlp           # three letters in, an MLP (Bengio 2003)
    python examples/charlm.py --model rnn           # nn.RNN (also: gru, lstm)
    python examples/charlm.py --model transformer   # causal self-attention

The corpus is the 1990 US census list of first names (4,275 female and 1,219 male, 5,163
distinct), shipped inside the ``names`` package (pip install names), so nothing is
downloaded. Names are lower-cased; '.' marks both the start and the end of a name. 10% of
the names (chosen by --seed) are held out and never trained on.

Every model reads a name one letter at a time and gives, at each position, scores for the
next letter: input (B, T) letter indices -> logits (B, T, V). The loss is the mean
cross-entropy per predicted letter (end marks included), in nats; the held-out loss is
the same over every held-out name. Training shows a progress bar with the loss, prints
names sampled from the model as it goes (multinomial draws from a seeded Generator), and
writes into ``--out`` (default ``runs/``):

- ``charlm-<model>-checkpoint.npz``: ``autograd_core.save`` of the model and optimizer
  state dicts, the settings that rebuild the model (``load_checkpoint``), the vocabulary
  and the loss history;
- ``charlm-<model>-loss.png``: training loss (per step, and smoothed) and held-out loss;
- ``charlm-transformer-attention.png`` (transformer only): each layer's and head's
  attention weights over a held-out name.

Exit status: 0 on success; 1 when training fails (a non-finite loss) or the corpus cannot
be read; 2 for bad arguments or a missing package.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import autograd_core as ag
import nn
import optim

MODELS = ("bigram", "mlp", "rnn", "gru", "lstm", "transformer")
BOUNDARY = "."  # start and end of a name: index 0 of the vocabulary
IGNORE = -100  # targets past the end of a name (cross_entropy's default ignore_index)

# Sizes and steps chosen so that each model trains in about a minute on two busy cores;
# the held-out losses they reach are in the README ("Sequence models").
DEFAULTS: dict[str, dict[str, Any]] = {
    "bigram": {"steps": 600, "batch_size": 64, "lr": 0.1},
    "mlp": {"steps": 2000, "batch_size": 64, "lr": 3e-3},
    "rnn": {"steps": 2000, "batch_size": 64, "lr": 3e-3},
    "gru": {"steps": 2000, "batch_size": 64, "lr": 3e-3},
    "lstm": {"steps": 2000, "batch_size": 64, "lr": 3e-3},
    "transformer": {"steps": 2000, "batch_size": 64, "lr": 3e-3},
}
SIZES = {"embed": 24, "hidden": 96, "context": 3, "width": 48, "heads": 4, "layers": 2,
         "dropout": 0.1}


class TrainingError(RuntimeError):
    """Training went wrong (a non-finite loss)."""


class DataError(RuntimeError):
    """The corpus could not be read."""


class MissingDependency(RuntimeError):
    """An optional package the script needs is not installed."""


# --------------------------------------------------------------------------- arguments
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; per-model defaults fill in whatever was not given."""
    p = argparse.ArgumentParser(
        description="Train a character-level language model on first names with "
                    "autograd_core; save a checkpoint, the loss curve and (transformer) "
                    "the attention weights.")
    p.add_argument("--model", choices=MODELS, default="transformer",
                   help="bigram, mlp, rnn, gru, lstm or transformer (default)")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps")
    p.add_argument("--batch-size", type=int, default=None, help="names per step")
    p.add_argument("--lr", type=float, default=None, help="AdamW's peak learning rate")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the split, the weights, the batches and the samples")
    p.add_argument("--eval-every", type=int, default=200,
                   help="measure the held-out loss every this many steps (and at the end)")
    p.add_argument("--sample-every", type=int, default=500,
                   help="print sampled names every this many steps (0: only at the end)")
    p.add_argument("--samples", type=int, default=8, help="names to sample each time")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS threads (0: as installed); 1 is fastest for these small "
                        "matrices on a busy machine")
    p.add_argument("--out", type=Path, default=Path("runs"),
                   help="folder for the checkpoint and pictures (default: runs/)")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for name in ("steps", "batch_size", "eval_every", "samples"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.sample_every < 0 or args.threads < 0:
        p.error("--sample-every and --threads must be 0 or more")
    if not args.lr > 0:
        p.error(f"--lr must be positive, got {args.lr}")
    return args


def require(module: str, pip_name: str | None = None) -> Any:
    """Import an optional dependency, or fail with the command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        pkg = pip_name or module
        raise MissingDependency(
            f"examples/charlm.py needs the package '{pkg}': pip install {pkg} "
            "(or pip install -e '.[train]' for everything the examples use)") from err


def blas_threads(n: int) -> contextlib.AbstractContextManager:
    """Limit NumPy's BLAS to ``n`` threads inside the ``with`` block (0: as it is)."""
    if n == 0:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


# --------------------------------------------------------------------------- data
@dataclass
class Corpus:
    """Names split into training and held-out ones, and their encodings.

    ``x`` (N, T): BOUNDARY then the name's letters, padded with BOUNDARY; ``y`` (N, T):
    the letters then BOUNDARY, padded with IGNORE, so that y[:, t] is the letter after
    x[:, :t+1]. T = the longest name + 1.
    """

    chars: list[str]
    train_names: list[str]
    val_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray

    @property
    def vocab_size(self) -> int:
        """V, the number of symbols (BOUNDARY and the letters)."""
        return len(self.chars)

    @property
    def block(self) -> int:
        """T, the length every name is padded to (the longest name + 1)."""
        return self.x_train.shape[1]

    def encode(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) for ``words``, as described above."""
        stoi = {c: i for i, c in enumerate(self.chars)}
        x = np.zeros((len(words), self.block), np.int64)
        y = np.full((len(words), self.block), IGNORE, np.int64)
        for i, w in enumerate(words):
            ids = [stoi[c] for c in w]
            x[i, 1:len(ids) + 1] = ids
            y[i, :len(ids)] = ids
            y[i, len(ids)] = 0
        return x, y

    def decode(self, ids: Sequence[int]) -> str:
        """Letters up to (not including) the first BOUNDARY."""
        out = []
        for i in ids:
            if i == 0:
                break
            out.append(self.chars[i])
        return "".join(out)


def load_names() -> list[str]:
    """The census first names (female and male), lower-cased, distinct, sorted."""
    names = require("names")
    words = set()
    try:
        for key in ("first:female", "first:male"):
            with open(names.FILES[key], encoding="ascii") as f:
                for line in f:
                    if line.strip():
                        words.add(line.split()[0].lower())
    except (OSError, KeyError, AttributeError, UnicodeDecodeError) as err:
        raise DataError(f"could not read the names package's census files: {err}") from err
    if not words:
        raise DataError("the names package's census files are empty")
    return sorted(words)


def make_corpus(words: Sequence[str], seed: int, val_fraction: float = 0.1) -> Corpus:
    """Split ``words`` (held-out share ``val_fraction``, by a seeded shuffle), build the
    vocabulary (BOUNDARY first, then the letters in order) and encode both parts."""
    order = np.random.default_rng(seed).permutation(len(words))
    n_val = max(1, int(round(val_fraction * len(words))))
    val = [words[i] for i in order[:n_val]]
    train = [words[i] for i in order[n_val:]]
    chars = [BOUNDARY] + sorted(set("".join(words)))
    block = max(len(w) for w in words) + 1
    empty = np.zeros((0, block), np.int64)
    corpus = Corpus(chars, train, val, empty, empty, empty, empty)
    corpus.x_train, corpus.y_train = corpus.encode(train)
    corpus.x_val, corpus.y_val = corpus.encode(val)
    return corpus


# --------------------------------------------------------------------------- models
class Bigram(nn.Module):
    """The next letter from the current one only: a (V, V) table of scores (logits),
    the learned form of counting letter pairs. (B, T) -> (B, T, V)."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.table = nn.Embedding(vocab, vocab)

    def forward(self, idx: ag.Tensor) -> ag.Tensor:
        """(B, T) letter indices -> (B, T, V) scores: row idx of the table."""
        return self.table(idx)


class MLP(nn.Module):
    """The next letter from the last ``context`` letters (BOUNDARY before the start):
    their embeddings joined, one tanh hidden layer, scores (Bengio et al. 2003).
    (B, T) -> (B, T, V)."""

    def __init__(self, vocab: int, context: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(vocab, embed)
        self.hidden = nn.Linear(context * embed, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, idx: ag.Tensor) -> ag.Tensor:
        """(B, T) -> (B, T, V): at each position, scores from the last ``context`` letters."""
        b, t = idx.shape
        k = self.context
        padded = ag.cat([ag.zeros(b, k - 1, dtype=idx.dtype), idx], dim=1)
        # windows[:, t] = the k letters ending at position t
        windows = ag.stack([padded[:, j:j + t] for j in range(k)], dim=2)
        e = self.embed(windows).reshape(b, t, -1)
        return self.out(self.hidden(e).tanh())


class Recurrent(nn.Module):
    """Embedding, a recurrent layer (nn.RNN, nn.GRU or nn.LSTM) reading left to right,
    and a linear read-out of each hidden state. (B, T) -> (B, T, V)."""

    def __init__(self, kind: str, vocab: int, embed: int, hidden: int) -> None:
        super().__init__()
        layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind]
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = layer(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, idx: ag.Tensor) -> ag.Tensor:
        """(B, T) -> (B, T, V): the read-out of the hidden state after each letter."""
        h, _ = self.rnn(self.embed(idx))
        return self.out(h)


class Transformer(nn.Module):
    """Letter and position embeddings, ``layers`` pre-norm TransformerEncoderLayers with
    causal self-attention (position t sees positions 0..t), a LayerNorm and a linear
    read-out. (B, T) -> (B, T, V), T <= block. ``dropout`` (training only) on the
    embeddings and inside the layers: without it this model learns the 4,647 training
    names by heart (measured: training loss 1.63, held-out 1.99 after 1,200 steps)."""

    def __init__(self, vocab: int, block: int, width: int, heads: int, layers: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(block, width)
        self.drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=dropout,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, vocab)
        causal = np.triu(np.full((block, block), -np.inf, np.float32), 1)
        self.register_buffer("causal", ag.tensor(causal), persistent=False)

    def forward(self, idx: ag.Tensor) -> ag.Tensor:
        """(B, T) -> (B, T, V), position t attending to positions 0..t."""
        t = idx.shape[1]
        x = self.drop(self.tok(idx) + self.pos(ag.arange(t)))
        x = self.blocks(x, mask=self.causal[:t, :t], is_causal=True)
        return self.out(self.norm(x))

    def attention_maps(self, idx: ag.Tensor) -> list[np.ndarray]:
        """Each layer's attention weights (B, heads, T, T) on ``idx``: the input of every
        layer's self_attn is caught by a hook and attended again with need_weights."""
        seen: list[ag.Tensor] = []
        hooks = [layer.self_attn.register_forward_pre_hook(
            lambda mod, args, kwargs=None: seen.append(args[0]))
            for layer in self.blocks.layers]
        try:
            with ag.no_grad():
                self(idx)
        finally:
            for h in hooks:
                h.remove()
        t = idx.shape[1]
        maps = []
        with ag.no_grad():
            for layer, x in zip(self.blocks.layers, seen):
                _, w = layer.self_attn(x, x, x, attn_mask=self.causal[:t, :t],
                                       need_weights=True, average_attn_weights=False)
                maps.append(w.numpy())
        return maps


def build_model(name: str, vocab: int, block: int) -> nn.Module:
    """The model called ``name`` for a vocabulary of ``vocab`` and names of up to
    ``block`` - 1 letters, freshly initialised from autograd_core's global generator."""
    s = SIZES
    if name == "bigram":
        return Bigram(vocab)
    if name == "mlp":
        return MLP(vocab, s["context"], s["embed"], s["hidden"])
    if name in ("rnn", "gru", "lstm"):
        return Recurrent(name, vocab, s["embed"], s["hidden"])
    if name == "transformer":
        return Transformer(vocab, block, s["width"], s["heads"], s["layers"], s["dropout"])
    raise ValueError(f"unknown model {name!r}; expected one of {list(MODELS)}")


def load_checkpoint(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the trained model from a checkpoint this script wrote: (model in eval
    mode, the whole checkpoint dict, whose "chars" is the vocabulary)."""
    ckpt = ag.load(path)
    cfg = ckpt["config"]
    model = build_model(cfg["model"], cfg["vocab_size"], cfg["block"])
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


# --------------------------------------------------------------------------- training
@dataclass
class History:
    """train_loss per step; val_step/val_loss at each evaluation."""

    train_loss: list[float] = field(default_factory=list)
    val_step: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)


def loss_of(model: nn.Module, x: np.ndarray, y: np.ndarray, reduction: str = "mean"
            ) -> ag.Tensor:
    """Cross-entropy of the next-letter scores against ``y``, padding ignored."""
    logits = model(ag.from_numpy(x))
    v = logits.shape[-1]
    return nn.functional.cross_entropy(logits.reshape(-1, v), ag.from_numpy(y.reshape(-1)),
                                       ignore_index=IGNORE, reduction=reduction)


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, batch: int = 512) -> float:
    """Mean cross-entropy per predicted letter over all of (x, y), in nats."""
    model.eval()
    total, count = 0.0, int((y != IGNORE).sum())
    with ag.no_grad():
        for i in range(0, len(x), batch):
            total += loss_of(model, x[i:i + batch], y[i:i + batch], "sum").item()
    model.train()
    return total / count


def sample(model: nn.Module, corpus: Corpus, n: int, generator: ag.Generator,
           temperature: float = 1.0) -> list[str]:
    """``n`` names drawn letter by letter: softmax of the scores at the last position,
    one multinomial draw from ``generator``, appended, until BOUNDARY or full length."""
    model.eval()
    seq = ag.zeros(n, 1, dtype=ag.int64)
    with ag.no_grad():
        for _ in range(corpus.block - 1):
            logits = model(seq)[:, -1] / temperature
            nxt = ag.multinomial(logits.softmax(-1), 1, generator=generator)
            seq = ag.cat([seq, nxt], dim=1)
    model.train()
    return [corpus.decode(row[1:]) for row in seq.numpy().tolist()]


def train(model: nn.Module, optimizer: optim.Optimizer, corpus: Corpus,
          args: argparse.Namespace, generator: ag.Generator) -> History:
    """AdamW on random batches of training names, the learning rate annealed by a cosine
    after a short warm-up; held-out loss every --eval-every steps; samples printed every
    --sample-every steps. Raises TrainingError when the loss stops being finite."""
    tqdm = require("tqdm").tqdm
    rng = np.random.default_rng(args.seed)
    warm = max(1, args.steps // 20)
    scheduler = optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warm) * (
        0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps))))
    history = History()
    n_train = len(corpus.x_train)
    with tqdm(total=args.steps, unit="step", dynamic_ncols=True) as bar:
        for step in range(1, args.steps + 1):
            idx = rng.integers(0, n_train, args.batch_size)
            optimizer.zero_grad()
            loss = loss_of(model, corpus.x_train[idx], corpus.y_train[idx])
            loss.backward()
            optimizer.step()
            scheduler.step()
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingError(f"the loss became {value} at step {step}; try a smaller "
                                    f"--lr (now {args.lr})")
            history.train_loss.append(value)
            recent = history.train_loss[-50:]
            bar.set_postfix({"loss": f"{sum(recent) / len(recent):.4f}"}, refresh=False)
            bar.update()
            if step % args.eval_every == 0 or step == args.steps:
                history.val_step.append(step)
                history.val_loss.append(evaluate(model, corpus.x_val, corpus.y_val))
                bar.write(f"step {step:>5}  train loss {sum(recent) / len(recent):.4f}  "
                          f"held-out loss {history.val_loss[-1]:.4f}")
            if args.sample_every and step % args.sample_every == 0 and step != args.steps:
                bar.write("  samples: " + ", ".join(
                    sample(model, corpus, args.samples, generator)))
    return history


# --------------------------------------------------------------------------- outputs
def save_checkpoint(path: Path, model: nn.Module, optimizer: optim.Optimizer,
                    args: argparse.Namespace, corpus: Corpus, history: History) -> None:
    """Model and optimizer state, how to rebuild the model, the vocabulary, the history."""
    ag.save({
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "config": {"model": args.model, "vocab_size": corpus.vocab_size,
                   "block": corpus.block, "sizes": dict(SIZES)},
        "chars": "".join(corpus.chars),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "history": vars(history),
    }, path)


def _figure(size: tuple[float, float]) -> Any:
    require("matplotlib")
    # A bare Figure renders with Agg and never touches pyplot's global backend.
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def save_loss_curve(path: Path, history: History, title: str, bigram: float) -> None:
    """Training loss per step (faint), its 50-step mean, and the held-out loss, as a PNG;
    a dashed line marks the loss of counted bigrams (add-one smoothing) on the same
    held-out names, the baseline every model should beat."""
    fig = _figure((7, 3.8))
    ax = fig.subplots()
    steps = np.arange(1, len(history.train_loss) + 1)
    loss = np.asarray(history.train_loss)
    ax.plot(steps, loss, color="tab:blue", alpha=0.25, lw=0.8)
    k = min(50, len(loss))
    smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
    ax.plot(steps[k - 1:], smooth, color="tab:blue", label=f"train ({k}-step mean)")
    ax.plot(history.val_step, history.val_loss, "s-", color="tab:orange", label="held-out")
    ax.axhline(bigram, ls="--", color="gray", label=f"counted bigrams ({bigram:.3f})")
    ax.set(xlabel="step", ylabel="cross-entropy (nats per letter)", title=title)
    ax.set_ylim(min(min(history.val_loss), smooth.min(), bigram) - 0.1,
                max(bigram, smooth[: max(1, len(smooth) // 10)].max()) + 0.3)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.savefig(path, dpi=110)


def save_attention(path: Path, model: Transformer, corpus: Corpus, name: str) -> None:
    """Every layer's and head's attention weights on ``name`` as a grid of heatmaps:
    row = the query position (the letter just read), column = the key it looks at."""
    x, _ = corpus.encode([name])
    t = len(name) + 1
    maps = model.attention_maps(ag.from_numpy(x[:, :t]))
    layers, heads = len(maps), maps[0].shape[1]
    fig = _figure((2.3 * heads + 0.8, 2.3 * layers + 0.6))
    axes = np.atleast_2d(fig.subplots(layers, heads, squeeze=False))
    labels = [BOUNDARY] + list(name)
    for li, w in enumerate(maps):
        for h in range(heads):
            ax = axes[li, h]
            im = ax.imshow(w[0, h], vmin=0.0, vmax=1.0, cmap="viridis")
            ax.set_xticks(range(t), labels)
            ax.set_yticks(range(t), labels)
            ax.set_title(f"layer {li + 1}, head {h + 1}", fontsize=9)
    fig.colorbar(im, ax=axes, shrink=0.6, label="attention weight")
    fig.suptitle(f"transformer attention on the held-out name '{name}' "
                 "(rows: query letter, columns: key)")
    fig.savefig(path, dpi=110)


def bigram_count_loss(corpus: Corpus) -> float:
    """Held-out loss of letter-pair counts from the training names, add-one smoothed."""
    v = corpus.vocab_size
    counts = np.ones((v, v))
    keep = corpus.y_train != IGNORE
    np.add.at(counts, (corpus.x_train[keep], corpus.y_train[keep]), 1)
    logp = np.log(counts / counts.sum(1, keepdims=True))
    keep = corpus.y_val != IGNORE
    return float(-logp[corpus.x_val[keep], corpus.y_val[keep]].mean())


# --------------------------------------------------------------------------- main
def run(args: argparse.Namespace) -> float:
    """Train, save the files, print where they are; returns the final held-out loss."""
    require("tqdm")
    require("matplotlib")
    args.out.mkdir(parents=True, exist_ok=True)  # an unwritable --out fails before training
    start = time.perf_counter()
    ag.manual_seed(args.seed)
    generator = ag.Generator().manual_seed(args.seed)
    corpus = make_corpus(load_names(), args.seed)
    model = build_model(args.model, corpus.vocab_size, corpus.block)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.model} ({n_params:,} parameters): {len(corpus.train_names)} training / "
          f"{len(corpus.val_names)} held-out names, {corpus.vocab_size} symbols, "
          f"up to {corpus.block - 1} letters")
    with blas_threads(args.threads):
        history = train(model, optimizer, corpus, args, generator)
        samples = sample(model, corpus, args.samples, generator)
    seconds = time.perf_counter() - start
    model.eval()  # no dropout in what is drawn below
    print("samples: " + ", ".join(samples))

    stem = args.out / f"charlm-{args.model}"
    checkpoint = stem.with_name(stem.name + "-checkpoint.npz")
    curve = stem.with_name(stem.name + "-loss.png")
    save_checkpoint(checkpoint, model, optimizer, args, corpus, history)
    counted = bigram_count_loss(corpus)
    save_loss_curve(curve, history, f"{args.model}: next-letter cross-entropy", counted)
    files = [("checkpoint", checkpoint), ("loss curve", curve)]
    if isinstance(model, Transformer):
        attention = stem.with_name(stem.name + "-attention.png")
        save_attention(attention, model, corpus, corpus.val_names[0])
        files.append(("attention", attention))
    held_out = history.val_loss[-1]
    print(f"held-out loss: {held_out:.4f} nats/letter ({len(corpus.val_names)} names; "
          f"counted bigrams: {counted:.4f}); {args.steps} steps in {seconds:.1f} s")
    for what, path in files:
        print(f"{what + ':':<12}{path}")
    return held_out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        run(args)
    except (MissingDependency, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (TrainingError, DataError, OSError) as err:
        # A failed run, an unreadable corpus or an unwritable --out: say what, no
        # traceback. Anything else is a bug and keeps its traceback.
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
