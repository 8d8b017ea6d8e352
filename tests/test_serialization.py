"""autograd_core.save / load: round trips of state dicts and nested containers, atomic
writes, and clear errors for files that are not ours or are damaged."""

from __future__ import annotations

import io
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn


def _model():
    ag.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                         nn.Linear(8, 3))


def test_state_dict_round_trip(tmp_path):
    model = _model()
    model(ag.randn(2, 1, 4, 4))  # move the running statistics off their initial values
    path = tmp_path / "model.npz"
    ag.save(model.state_dict(), path)
    loaded = ag.load(path)
    assert isinstance(loaded, OrderedDict)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert loaded[k].dtype == v.dtype and loaded[k].shape == v.shape
        np.testing.assert_array_equal(loaded[k]._data, v._data)
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                          nn.Linear(8, 3))
    fresh.load_state_dict(loaded)
    x = ag.randn(3, 1, 4, 4)
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(model(x)._data, fresh(x)._data)


def test_nested_containers_and_scalars_round_trip(tmp_path):
    obj = {
        "state": {0: {"step": 3, "exp_avg": ag.ones(2, 2)}, 1: {"momentum_buffer": None}},
        "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "params": [0, 1],
                          "nesterov": False, "name": "fc", "eps": float("inf")}],
        "array": np.arange(3, dtype=np.int32),
        "leaf": ag.tensor([1.0, 2.0], requires_grad=True),
    }
    path = str(tmp_path / "opt.npz")
    ag.save(obj, path)
    back = ag.load(path)
    assert back["state"][0]["step"] == 3 and 0 in back["state"]
    np.testing.assert_array_equal(back["state"][0]["exp_avg"]._data, np.ones((2, 2)))
    assert back["state"][1]["momentum_buffer"] is None
    group = back["param_groups"][0]
    assert group["betas"] == (0.9, 0.999) and group["params"] == [0, 1]
    assert group["nesterov"] is False and group["eps"] == float("inf")
    assert back["array"].dtype == np.int32
    assert back["leaf"].requires_grad


def test_file_objects_work():
    buf = io.BytesIO()
    ag.save({"w": ag.arange(4)}, buf)
    buf.seek(0)
    np.testing.assert_array_equal(ag.load(buf)["w"]._data, np.arange(4))


def test_save_replaces_atomically_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    ag.save({"v": ag.ones(3)}, path)
    # A crash in the middle of writing the new file leaves the old one whole.
    real_savez = np.savez

    def crash(*args, **kwargs):
        real_savez(*args, **kwargs)
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        ag.save({"v": ag.zeros(3)}, path)
    monkeypatch.setattr(np, "savez", real_savez)
    np.testing.assert_array_equal(ag.load(path)["v"]._data, np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_truncated_file_raises_a_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    ag.save(_model().state_dict(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 10):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(RuntimeError, match="truncated or corrupt"):
            ag.load(bad)


def test_corrupted_member_raises_a_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    ag.save({"w": ag.ones(64)}, path)
    data = bytearray(path.read_bytes())
    # Flip bytes inside the stored array data (after the first local header): the CRC fails.
    start = data.index(b"\x93NUMPY") + 200
    data[start:start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        ag.load(path)


def test_foreign_files_raise_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(RuntimeError, match="not a file written by autograd_core.save"):
        ag.load(text)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.ones(3))
    with pytest.raises(RuntimeError, match="was not written by autograd_core.save.*'a'"):
        ag.load(other)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(RuntimeError, match=r"single NumPy array \(.npy\)"):
        ag.load(npy)
    zipped = tmp_path / "plain.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("readme.txt", "not numpy")
    with pytest.raises(RuntimeError, match="autograd_core.save"):
        ag.load(zipped)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(RuntimeError, match="is empty"):
        ag.load(empty)
    with pytest.raises(FileNotFoundError, match="no such file"):
        ag.load(tmp_path / "missing.npz")


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="cannot store an object of type object"):
        ag.save({"x": object()}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match="dictionary keys must be"):
        ag.save({(1, 2): ag.ones(1)}, tmp_path / "b.npz")
    assert not (tmp_path / "a.npz").exists()


def test_saved_file_gets_ordinary_permissions(tmp_path):
    import os
    import stat

    import autograd_core as ag

    path = tmp_path / "ckpt.npz"
    ag.save({"w": ag.ones(2)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask
