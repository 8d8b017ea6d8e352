"""examples/charlm.py end to end on a few steps per model: the files it promises exist
and are what they claim, the checkpoint rebuilds the trained model (same held-out loss),
every model is causal (a letter's scores never depend on later letters), sampling
follows its Generator, and bad arguments end with a clear message and status 2. The
full-length runs whose held-out losses the README reports are not repeated here."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "charlm.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HELD_OUT = re.compile(r"^held-out loss: (\d+\.\d{4}) nats/letter", re.MULTILINE)
TINY = ["--steps", "4", "--eval-every", "2", "--sample-every", "2", "--samples", "3"]

pytest.importorskip("names")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")


def load_script():
    """examples/charlm.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("charlm_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


charlm = load_script()


@pytest.fixture(scope="module")
def corpus():
    return charlm.make_corpus(charlm.load_names(), seed=0)


@pytest.mark.parametrize("model", charlm.MODELS)
def test_each_model_trains_and_writes_its_files(model, tmp_path, capsys, corpus):
    status = charlm.main(["--model", model, *TINY, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    loss = float(HELD_OUT.search(out).group(1))
    assert 1.0 < loss < np.log(27) + 1.0  # nats per letter, near the start of training
    samples = re.search(r"^samples: (.*)$", out, re.MULTILINE).group(1).split(", ")
    assert len(samples) == 3 and all(re.fullmatch(r"[a-z]*", s) for s in samples)

    checkpoint = tmp_path / f"charlm-{model}-checkpoint.npz"
    curve = tmp_path / f"charlm-{model}-loss.png"
    attention = tmp_path / f"charlm-{model}-attention.png"
    for path in (checkpoint, curve):
        assert path.is_file() and str(path) in out
    assert curve.read_bytes()[:8] == PNG_SIGNATURE
    assert attention.is_file() == (model == "transformer")
    if model == "transformer":
        assert attention.read_bytes()[:8] == PNG_SIGNATURE

    # The checkpoint rebuilds the trained model: the same held-out loss, to the digits shown.
    rebuilt, ckpt = charlm.load_checkpoint(checkpoint)
    assert ckpt["chars"] == "".join(corpus.chars)
    assert len(ckpt["history"]["train_loss"]) == 4 and ckpt["history"]["val_step"] == [2, 4]
    again = charlm.evaluate(rebuilt, corpus.x_val, corpus.y_val)
    assert abs(again - loss) < 6e-5
    assert abs(again - ckpt["history"]["val_loss"][-1]) < 1e-9


@pytest.mark.parametrize("model", charlm.MODELS)
def test_models_are_causal_and_shaped(model, corpus):
    ag.manual_seed(0)
    net = charlm.build_model(model, corpus.vocab_size, corpus.block).eval()
    x = corpus.x_val[:3].copy()
    with ag.no_grad():
        base = net(ag.from_numpy(x)).numpy()
        assert base.shape == (3, corpus.block, corpus.vocab_size)
        x[:, 6:] = (x[:, 6:] + 5) % corpus.vocab_size  # change letters 6 onwards
        changed = net(ag.from_numpy(x)).numpy()
    np.testing.assert_array_equal(base[:, :6], changed[:, :6])  # earlier scores unchanged
    assert not np.allclose(base[:, 6:], changed[:, 6:])


def test_corpus_split_and_encoding(corpus):
    assert len(corpus.train_names) + len(corpus.val_names) == 5163
    assert not set(corpus.train_names) & set(corpus.val_names)
    assert corpus.chars[0] == charlm.BOUNDARY and corpus.vocab_size == 27
    x, y = corpus.encode(["ann", "bo"])
    assert [corpus.decode(row[1:]) for row in x] == ["ann", "bo"]
    assert x[0, 0] == 0 and list(y[1, :3]) == [corpus.chars.index("b"),
                                               corpus.chars.index("o"), 0]
    assert (y[1, 3:] == charlm.IGNORE).all()
    # The counted-bigram baseline is the held-out loss of (add-one) pair frequencies.
    assert 2.0 < charlm.bigram_count_loss(corpus) < np.log(27)


def test_sampling_follows_the_generator(corpus):
    ag.manual_seed(0)
    net = charlm.build_model("mlp", corpus.vocab_size, corpus.block)
    a = charlm.sample(net, corpus, 5, ag.Generator().manual_seed(3))
    b = charlm.sample(net, corpus, 5, ag.Generator().manual_seed(3))
    c = charlm.sample(net, corpus, 5, ag.Generator().manual_seed(4))
    assert a == b and a != c
    assert all(len(s) <= corpus.block - 1 for s in a)


def test_command_line_run_and_bad_arguments(tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), "--model", "bigram", *TINY,
                          "--out", str(tmp_path)], capture_output=True, text=True,
                         cwd=str(ROOT), timeout=300)
    assert run.returncode == 0, run.stderr
    assert HELD_OUT.search(run.stdout)
    assert (tmp_path / "charlm-bigram-checkpoint.npz").is_file()
    for bad, message in ((["--model", "cnn"], "invalid choice"),
                         (["--steps", "0"], "--steps must be at least 1"),
                         (["--lr", "-1"], "--lr must be positive")):
        run = subprocess.run([sys.executable, str(SCRIPT), *bad], capture_output=True,
                             text=True, cwd=str(ROOT), timeout=120)
        assert run.returncode == 2 and message in run.stderr, run.stderr


def test_unwritable_output_folder_fails_cleanly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    status = charlm.main(["--model", "bigram", *TINY, "--out", str(blocker / "runs")])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("error: ")
