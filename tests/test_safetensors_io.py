"""State dicts moving between this project and PyTorch through safetensors files."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import torch

pytest.importorskip("safetensors", reason="could not import safetensors")
import safetensors.numpy as st_numpy  # noqa: E402
import safetensors.torch as st_torch  # noqa: E402

import autograd_core as ac  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from autograd_core.safetensors_io import load_safetensors, save_safetensors  # noqa: E402


def build(N):
    """The same architecture in ``N`` (torch.nn or nn): conv, batchnorm, nested
    Sequential with Linear layers, and a submodule of a submodule."""

    class Head(N.Module):
        def __init__(self):
            super().__init__()
            self.mlp = N.Sequential(N.Linear(4 * 4 * 4, 10), N.ReLU(), N.Linear(10, 3))

        def forward(self, x):
            return self.mlp(x)

    class Net(N.Module):
        def __init__(self):
            super().__init__()
            self.features = N.Sequential(N.Conv2d(2, 4, 3, padding=1), N.BatchNorm2d(4),
                                         N.ReLU())
            self.head = Head()

        def forward(self, x):
            return self.head(self.features(x).flatten(1))

    return Net()


def _x(rng, n=5):
    return rng.standard_normal((n, 2, 4, 4)).astype(np.float32)


def _train_ours(model, rng, steps=3):
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        x = ac.tensor(_x(rng, 8))
        loss = (model(x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def _train_torch(model, rng, steps=3):
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        loss = (model(torch.tensor(_x(rng, 8))) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t._data)


def test_state_dict_keys_shapes_and_dtypes_are_torchs():
    ours, theirs = build(nn).state_dict(), build(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    assert "features.1.num_batches_tracked" in ours
    for k in ours:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), k
        assert _np(ours[k]).dtype == _np(theirs[k]).dtype, k


def test_trained_here_loads_into_torch_nn(tmp_path, rng):
    model = build(nn)
    _train_ours(model, rng)
    path = tmp_path / "model.safetensors"
    save_safetensors(model.state_dict(), path)

    theirs = build(torch.nn)
    result = theirs.load_state_dict(st_torch.load_file(str(path)))
    assert not result.missing_keys and not result.unexpected_keys
    assert int(theirs.features[1].num_batches_tracked) == 3
    assert st_numpy.load_file(str(path))["features.1.num_batches_tracked"].shape == ()
    x = _x(rng)
    model.eval()
    theirs.eval()
    np.testing.assert_allclose(_np(model(ac.tensor(x))), _np(theirs(torch.tensor(x))),
                               rtol=1e-5, atol=1e-6)
    for k, v in model.state_dict().items():  # bit for bit
        np.testing.assert_array_equal(_np(v), _np(theirs.state_dict()[k]), err_msg=k)


def test_trained_in_torch_loads_here_and_goes_back(tmp_path, rng):
    theirs = build(torch.nn)
    _train_torch(theirs, rng)
    path = tmp_path / "torch.safetensors"
    st_torch.save_file(theirs.state_dict(), str(path))

    ours = build(nn)
    result = ours.load_state_dict(load_safetensors(path))
    assert not result.missing_keys and not result.unexpected_keys
    x = _x(rng)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(_np(ours(ac.tensor(x))), _np(theirs(torch.tensor(x))),
                               rtol=1e-5, atol=1e-6)
    # Train the loaded copy here one more step in train mode, and send it back.
    ours.train()
    _train_ours(ours, rng, steps=1)
    back = tmp_path / "back.safetensors"
    save_safetensors(ours.state_dict(), back)
    again = build(torch.nn)
    again.load_state_dict(st_torch.load_file(str(back)))
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(_np(v), _np(again.state_dict()[k]), err_msg=k)
    assert int(again.features[1].num_batches_tracked) == 4


def test_linear_weight_is_stored_as_its_logical_out_by_in_matrix(tmp_path):
    lin = nn.Linear(3, 2)
    assert lin.weight._data.flags.f_contiguous  # kept column-major in memory here
    path = tmp_path / "lin.safetensors"
    save_safetensors(lin.state_dict(), path)
    raw = st_numpy.load_file(str(path))
    assert raw["weight"].shape == (2, 3)
    np.testing.assert_array_equal(raw["weight"], lin.weight._data)


def test_round_trip_keeps_dtypes_shapes_and_metadata(tmp_path):
    tensors = {
        "f64": ac.tensor(np.arange(6.0).reshape(2, 3)),
        "f32_t": ac.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)).T,  # a view
        "i64_scalar": ac.tensor(np.array(7, dtype=np.int64)),
        "mask": ac.tensor(np.array([True, False])),
        "array": np.arange(4, dtype=np.int32),
    }
    path = tmp_path / "mixed.safetensors"
    save_safetensors(tensors, path, metadata={"epoch": "3"})
    loaded = load_safetensors(path)
    assert list(loaded) == sorted(tensors)
    for k, v in tensors.items():
        arr = np.asarray(v._data if isinstance(v, ac.Tensor) else v)
        got = loaded[k]._data
        assert got.dtype == arr.dtype and got.shape == arr.shape, k
        np.testing.assert_array_equal(got, arr)
        assert got.flags.writeable and not loaded[k].requires_grad
    from safetensors import safe_open

    with safe_open(str(path), "np") as f:
        assert f.metadata() == {"format": "pt", "epoch": "3"}


def test_tied_weights_load_into_the_shared_parameter(tmp_path):
    emb, out = nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False)
    out.weight = emb.weight
    model = nn.Sequential(emb, out)
    path = tmp_path / "tied.safetensors"
    save_safetensors(model.state_dict(), path)
    other = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False))
    other[1].weight = other[0].weight
    other.load_state_dict(load_safetensors(path))
    np.testing.assert_array_equal(other[1].weight._data, emb.weight._data)
    assert other[0].weight is other[1].weight


def test_overwrites_atomically(tmp_path):
    path = tmp_path / "m.safetensors"
    save_safetensors({"a": ac.ones(2)}, path)
    save_safetensors({"b": ac.zeros(3)}, path)
    assert list(load_safetensors(path)) == ["b"]
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_bad_input_is_refused_clearly(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="expected a mapping"):
        save_safetensors([ac.ones(2)], path)
    with pytest.raises(TypeError, match="the value of 'w' is a list"):
        save_safetensors({"w": [1.0, 2.0]}, path)
    with pytest.raises(TypeError, match="keys must be str"):
        save_safetensors({1: ac.ones(2)}, path)
    with pytest.raises(TypeError, match="metadata must map str to str"):
        save_safetensors({"w": ac.ones(2)}, path, metadata={"epoch": 3})
    assert not path.exists()
    save_safetensors({"w": ac.ones(2)}, path)
    with pytest.raises(RuntimeError, match="CPU only"):
        load_safetensors(path, device="cuda")


def test_missing_package_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        save_safetensors({"w": ac.ones(2)}, tmp_path / "x.safetensors")
