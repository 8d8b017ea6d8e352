"""examples/train.py, run as a user runs it (a subprocess) on a small budget: the three files
it promises exist and are what they claim, the checkpoint rebuilds the trained model, and
failures end with a clear message and a non-zero status. The full-length accuracy run is
not repeated here (no timing, no long runs in the suite)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
import optim
from autograd_core.datasets import write_idx
from autograd_core.utils.data import TensorDataset

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "train.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACCURACY = re.compile(r"^test accuracy: (\d+\.\d\d)%", re.MULTILINE)
STEPS = 6  # a few optimizer steps: enough to change the weights, quick to run

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
pytest.importorskip("graphviz")


def load_script():
    """examples/train.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("train_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def printed_paths(stdout: str) -> dict[str, Path]:
    """The 'checkpoint: PATH' / 'curves: PATH' / 'graph: PATH' lines."""
    found = dict(re.findall(r"^(checkpoint|curves|graph): +(\S.*)$", stdout, re.MULTILINE))
    return {k: Path(v) if Path(v).is_absolute() else ROOT / v for k, v in found.items()}


@pytest.fixture(scope="module", params=["lenet", "mlp"])
def short_run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"run-{request.param}")
    proc = run_script("--model", request.param, "--epochs", "1", "--max-steps", str(STEPS),
                      "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return request.param, out, proc


def test_prints_accuracy_and_where_the_files_are(short_run):
    model_name, out, proc = short_run
    match = ACCURACY.search(proc.stdout)
    assert match, proc.stdout
    assert 0.0 <= float(match.group(1)) <= 100.0
    paths = printed_paths(proc.stdout)
    assert set(paths) == {"checkpoint", "curves", "graph"}
    for path in paths.values():
        assert path.parent == out and path.is_file() and path.stat().st_size > 0
        assert path.name.startswith(f"{model_name}-digits-")


def test_pictures_are_png(short_run):
    _, _, proc = short_run
    paths = printed_paths(proc.stdout)
    for key in ("curves", "graph"):
        assert paths[key].suffix == ".png"
        assert paths[key].read_bytes()[:8] == PNG_SIGNATURE, key


def test_checkpoint_rebuilds_the_trained_model(short_run):
    model_name, _, proc = short_run
    ckpt_path = printed_paths(proc.stdout)["checkpoint"]
    train = load_script()
    model, ckpt = train.load_checkpoint(ckpt_path)
    assert ckpt["config"]["model"] == model_name
    assert ckpt["epochs_done"] == 1 and len(ckpt["history"]["test_acc"]) == 1

    # A fresh model of a different seed has other weights until the state dict is loaded.
    ag.manual_seed(12345)
    fresh = train.build_model(model_name, ckpt["config"]["in_shape"])
    saved = ckpt["model"]
    assert set(fresh.state_dict()) == set(saved)
    assert any(not np.array_equal(v._data, saved[k]._data)
               for k, v in fresh.state_dict().items())
    fresh.load_state_dict(saved)
    fresh.eval()

    # The held-out predictions of both rebuilt copies agree, and they reproduce the
    # accuracy and loss the run printed and recorded (so they are the trained weights).
    x, y = ag.datasets.load_digits("test")
    with ag.no_grad():
        logits = model(x)
        np.testing.assert_array_equal(fresh(x)._data, logits._data)
    accuracy = float((logits.argmax(1)._data == y._data).mean())
    assert f"{100 * accuracy:.2f}" == ACCURACY.search(proc.stdout).group(1)
    assert accuracy == pytest.approx(ckpt["history"]["test_acc"][-1], abs=1e-12)
    loss, _ = train.evaluate(model, TensorDataset(x, y), ckpt["args"]["label_smoothing"])
    assert loss == pytest.approx(ckpt["history"]["test_loss"][-1], rel=1e-5)


def test_checkpoint_restores_the_optimizer(short_run):
    _, _, proc = short_run
    train = load_script()
    model, ckpt = train.load_checkpoint(printed_paths(proc.stdout)["checkpoint"])
    opt = optim.Adam(model.parameters(), lr=1.0)
    opt.load_state_dict(ckpt["optimizer"])
    params = list(model.parameters())
    assert opt.state_dict()["param_groups"][0]["params"] == list(range(len(params)))
    for p in params:
        state = opt.state[p]
        assert int(state["step"]) == STEPS  # the run stopped after --max-steps steps
        assert state["exp_avg"].shape == p.shape


def test_mnist_from_idx_files(tmp_path):
    """--dataset mnist reads the four IDX files (gzipped here) and trains a few steps."""
    rng = np.random.default_rng(0)
    data = tmp_path / "mnist"
    data.mkdir()
    for split, n in (("train", 40), ("t10k", 20)):
        write_idx(data / f"{split}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(data / f"{split}-labels-idx1-ubyte.gz",
                  rng.integers(0, 10, n, dtype=np.uint8))
    proc = run_script("--dataset", "mnist", "--data-dir", str(data), "--epochs", "1",
                      "--batch-size", "16", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "40 training / 20 held-out images of 1x28x28" in proc.stdout
    paths = printed_paths(proc.stdout)
    assert paths["graph"].read_bytes()[:8] == PNG_SIGNATURE
    model, ckpt = load_script().load_checkpoint(paths["checkpoint"])
    assert ckpt["config"]["in_shape"] == [1, 28, 28]


def test_missing_mnist_files_fail_with_a_clear_message(tmp_path):
    proc = run_script("--dataset", "mnist", "--data-dir", str(tmp_path), "--out",
                      str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "error: Dataset not found" in proc.stderr and "download=True" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args,message", [
    (["--dataset", "mnist"], "--dataset mnist needs --data-dir"),
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--lr", "-1"], "--lr must be positive"),
    (["--model", "resnet"], "invalid choice: 'resnet'"),
])
def test_bad_arguments_exit_2(args, message):
    proc = run_script(*args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_missing_scikit_learn_says_how_to_install(tmp_path):
    # A None entry in sys.modules makes `import sklearn` raise ImportError.
    code = ("import runpy, sys; sys.modules['sklearn'] = None; "
            f"sys.argv = ['train.py', '--out', {str(tmp_path)!r}]; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "pip install scikit-learn" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_non_finite_loss_stops_training(tmp_path, monkeypatch, capsys):
    import nn

    train = load_script()

    def broken_model(name, in_shape, num_classes=10):
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, num_classes))
        model[1].weight._data[...] = np.nan  # every logit, hence the loss, is NaN
        return model

    monkeypatch.setattr(train, "build_model", broken_model)
    status = train.main(["--epochs", "1", "--out", str(tmp_path)])
    assert status == 1
    assert "the loss became nan" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing saved from a failed run


def test_min_accuracy_turns_a_weak_run_into_a_failure(tmp_path):
    proc = run_script("--model", "mlp", "--max-steps", "1", "--min-accuracy", "100",
                      "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "is below --min-accuracy 100" in proc.stderr
    # the files of the run are kept, to look at what went wrong
    assert len(list(tmp_path.glob("mlp-digits-*"))) == 3


def test_without_graphviz_dot_the_graph_is_saved_as_dot_text(tmp_path, monkeypatch, capsys):
    train = load_script()
    monkeypatch.setattr(train.shutil, "which", lambda name: None)
    assert train.main(["--model", "mlp", "--max-steps", "2", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "`dot` program is not on PATH" in captured.err
    assert "apt-get install graphviz" in captured.err
    gv = tmp_path / "mlp-digits-graph.gv"
    assert f"graph:      {gv}" in captured.out
    assert gv.read_text().lstrip().startswith("digraph")
    assert not (tmp_path / "mlp-digits-graph.png").exists()
