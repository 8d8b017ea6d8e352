"""Adversarial cases on save / load: crafted files (sizes the file does not hold,
non-numeric dtypes, nesting without end, dangling references), sharing compared with
torch.save / torch.load, and a process killed in the middle of a save."""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch
from _oracle import assert_same

import autograd_core as ac
import nn
from autograd_core import serialization

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _npy(shape, descr="<f4", data=b"", fortran=False, version=(1, 0)):
    """A .npy member written by hand: the header says what we like, the data is what
    we give."""
    hdr = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {shape}, }}"
    pre = 10 if version == (1, 0) else 12
    hdr += " " * ((64 - (pre + len(hdr) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(hdr)) if version == (1, 0) else struct.pack("<I", len(hdr))
    return b"\x93NUMPY" + bytes(version) + size + hdr.encode("latin1") + data


def _manifest(tree, version=2):
    text = json.dumps({"format": "autograd_core.save", "version": version, "tree": tree})
    return _npy((len(text),), "|u1", text.encode())


def _raw_manifest(text):
    return _npy((len(text),), "|u1", text.encode())


def _archive(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


TENSOR_T0 = {"__tensor__": "t0", "requires_grad": False, "id": 0}


def _with_t0(member, tree=TENSOR_T0):
    return _archive({"__autograd_core__.npy": _manifest(tree), "t0.npy": member})


CRAFTED = {
    "terabytes from 600 bytes": _with_t0(_npy("(1000000, 1000000)")),
    "shape larger than its data": _with_t0(_npy("(1000,)", data=b"\0" * 16)),
    "data larger than its shape": _with_t0(_npy("(2,)", data=b"\0" * 64)),
    "unicode strings": _with_t0(_npy("(2,)", "<U3", b"a\0\0\0" * 6)),
    "bytes strings": _with_t0(_npy("(2,)", "|S3", b"abcdef")),
    "complex": _with_t0(_npy("(1,)", "<c16", b"\0" * 16)),
    "objects": _with_t0(_npy("(1,)", "|O", b"\0" * 8)),
    "datetimes": _with_t0(_npy("(1,)", "<M8[ns]", b"\0" * 8)),
    "timedeltas": _with_t0(_npy("(1,)", "<m8[s]", b"\0" * 8)),
    "structured": _with_t0(_npy("(1,)", [("a", "<f4"), ("b", "<i4")], b"\0" * 8)),
    "subarray": _with_t0(_npy("(1,)", [("a", "<f4", (2,))], b"\0" * 8)),
    "long double": _with_t0(_npy("(1,)", "<f16", b"\0" * 16)),
    "negative shape": _with_t0(_npy("(-1,)", data=b"")),
    "npy version 9": _with_t0(b"\x93NUMPY\x09\x00" + b"\0" * 64),
    "nested 5000 deep": _archive({"__autograd_core__.npy": _raw_manifest(
        '{"format": "autograd_core.save", "version": 2, "tree": '
        + '{"__list__":[' * 5000 + "1" + "]}" * 5000 + "}")}),
    "nested 66 deep": _archive({"__autograd_core__.npy": _raw_manifest(
        '{"format": "autograd_core.save", "version": 2, "tree": '
        + '{"__list__":[' * 66 + "1" + "]}" * 66 + "}")}),
    "dangling array key": _archive({"__autograd_core__.npy": _manifest(TENSOR_T0)}),
    "dangling tensor ref": _with_t0(_npy("(1,)", data=b"\0" * 4),
                                    {"__list__": [{"__tensor_ref__": 7}]}),
    "unknown node": _with_t0(_npy("(1,)", data=b"\0" * 4), {"__evil__": 1}),
    "bad special float": _with_t0(_npy("(1,)", data=b"\0" * 4), {"__float__": "1e999999"}),
    "dict of non-pairs": _with_t0(_npy("(1,)", data=b"\0" * 4), {"__dict__": [[1, 2, 3]]}),
    "manifest of floats": _archive({"__autograd_core__.npy": _npy("(2,)", "<f4", b"\0" * 8)}),
    "manifest not json": _archive({"__autograd_core__.npy": _npy("(3,)", "|u1", b"{{{")}),
    "newer version": _archive({"__autograd_core__.npy": _manifest(1, version=99)}),
    "not a zip": b"hello, this is not an archive at all",
    "single npy": _npy("(1,)", data=b"\0" * 4),
    "empty zip": _archive({}),
    "foreign npz": _archive({"a.npy": _npy("(1,)", data=b"\0" * 4)}),
}


def _lying_sizes():
    """A stored member whose central-directory entry claims 1 GiB."""
    data = bytearray(_with_t0(_npy("(1,)", data=b"\0" * 4)))
    cd = data.rindex(b"PK\x01\x02")  # the last central directory entry (t0.npy)
    data[cd + 20:cd + 28] = struct.pack("<II", 1 << 30, 1 << 30)  # compressed, size
    return bytes(data)


def _deflate_bomb():
    """A deflated member whose entry declares far more than its compressed bytes give."""
    data = bytearray(_archive({"__autograd_core__.npy": _manifest(TENSOR_T0),
                               "t0.npy": _npy("(1024,)", data=b"\0" * 4096)},
                              zipfile.ZIP_DEFLATED))
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 24:cd + 28] = struct.pack("<I", 1 << 31)  # uncompressed size: 2 GiB
    return bytes(data)


CRAFTED["central directory claims 1 GiB"] = _lying_sizes()
CRAFTED["deflate ratio beyond deflate"] = _deflate_bomb()


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_files_are_refused_clearly_without_allocating(name, tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(CRAFTED[name])
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError) as err:
            ac.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    msg = str(err.value)
    assert msg.startswith("load: ") and str(path) in msg and "internal" not in msg, msg
    assert peak < 4 * len(CRAFTED[name]) + (1 << 20), f"{name}: {peak} bytes for {msg}"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint8", "int16",
                                   "int32", "int64", "bool"])
def test_every_numeric_dtype_round_trips_as_in_torch(dtype, tmp_path):
    vals = [0, 1, 0, 1] if dtype == "bool" else [-3, 0, 7, 100]
    ours = ac.tensor(np.array(vals).astype(dtype))
    ac.save({"x": ours, "y": [ours.reshape(2, 2).T]}, tmp_path / "a.npz")
    theirs = torch.tensor(np.array(vals).astype(dtype))
    torch.save({"x": theirs, "y": [theirs.reshape(2, 2).T]}, tmp_path / "a.pt")
    assert_same(ac.load(tmp_path / "a.npz"), torch.load(tmp_path / "a.pt"), dtype)


def test_big_endian_and_fortran_arrays_load_with_their_values(tmp_path):
    a = np.arange(6, dtype=">f8").reshape(2, 3)
    data = _with_t0(_npy("(2, 3)", ">f8", np.asfortranarray(a).tobytes(order="F"),
                         fortran=True))
    (tmp_path / "f.npz").write_bytes(data)
    t = ac.load(tmp_path / "f.npz")
    assert t.dtype == np.float64 and t._data.dtype.isnative
    np.testing.assert_array_equal(t._data, a)
    t._data += 1  # loaded memory is the tensor's own and writable


def _sharing(L, save, load, path):
    t = L.t.arange(4.0)
    u = t.detach()  # another tensor over the same memory
    save({"a": t, "b": t, "c": u, "d": [t]}, path)
    r = load(path)

    def same_memory(x, y):
        return np.shares_memory(x.detach().numpy(), y.detach().numpy())

    r["c"].add_(1)  # a write through one alias shows in the others
    return {"a is b": r["a"] is r["b"], "a is d[0]": r["a"] is r["d"][0],
            "a is c": r["a"] is r["c"], "a, c share": same_memory(r["a"], r["c"]),
            "a after write": r["a"].tolist()}


def test_a_tensor_saved_under_two_names_loads_shared_as_in_torch(tmp_path):
    from _oracle import OURS, THEIRS

    ours = _sharing(OURS, ac.save, ac.load, tmp_path / "a.npz")
    theirs = _sharing(THEIRS, torch.save, torch.load, tmp_path / "a.pt")
    assert ours == theirs
    assert ours["a is b"] and ours["a, c share"]


def test_tied_weights_stay_tied_after_a_round_trip(tmp_path):
    ac.manual_seed(0)
    enc, dec = nn.Linear(4, 4), nn.Linear(4, 4)
    dec.weight = enc.weight
    model = nn.Sequential(enc, dec)
    ac.save(model.state_dict(), tmp_path / "m.npz")
    sd = ac.load(tmp_path / "m.npz")
    assert np.shares_memory(sd["0.weight"]._data, sd["1.weight"]._data)
    v = sd["1.weight"]._version if hasattr(sd["1.weight"], "_version") else None
    sd["0.weight"].mul_(2)  # an in-place write counts on both aliases
    if v is not None:
        assert sd["1.weight"]._version == v + 1


@pytest.mark.parametrize("depth,ok", [(64, True), (65, False)])
def test_nesting_limit_is_the_same_for_save_and_load(depth, ok, tmp_path):
    obj: list = []
    inner = obj
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    inner.append(ac.ones(1))
    if ok:
        ac.save(obj, tmp_path / "n.npz")
        back = ac.load(tmp_path / "n.npz")
        for _ in range(depth):
            back = back[0]
        assert back[0].tolist() == [1.0]
    else:
        with pytest.raises(ValueError, match="nested more than 64"):
            ac.save(obj, tmp_path / "n.npz")


def test_a_container_holding_itself_is_refused():
    a: list = []
    a.append(a)
    with pytest.raises(ValueError, match="does a container hold itself"):
        ac.save(a, io.BytesIO())


def test_save_refuses_what_it_could_not_load():
    with pytest.raises(TypeError, match="dtype"):
        ac.save({"s": np.array(["a", "b"])}, io.BytesIO())
    with pytest.raises(TypeError, match="cannot store an object of type complex"):
        ac.save({"c": 1j}, io.BytesIO())


_CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    import autograd_core as ac

    real = np.savez

    def half_then_hang(fh, **arrays):
        buf = __import__("io").BytesIO()
        real(buf, **arrays)
        data = buf.getvalue()
        fh.write(data[: len(data) // 2])
        fh.flush()
        os.fsync(fh.fileno())
        print("HALF", flush=True)
        time.sleep(600)

    np.savez = half_then_hang
    ac.save({{"w": ac.zeros(50000), "step": 2}}, {path!r})
""")


def test_a_process_killed_mid_save_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "ckpt.npz"
    ac.save({"w": ac.ones(50000), "step": 1}, path)
    before = path.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=ROOT, path=str(path))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "HALF", child.stderr.read()
        # Half of the new checkpoint is on disk, in a temporary file beside the old one.
        assert len(os.listdir(tmp_path)) == 2
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    assert path.read_bytes() == before
    back = ac.load(path)
    assert back["step"] == 1 and float(back["w"].sum()) == 50000.0


def test_load_of_a_file_object_is_bounded_like_a_path():
    data = CRAFTED["terabytes from 600 bytes"]
    with pytest.raises(RuntimeError, match="claims an array of shape"):
        ac.load(io.BytesIO(data))


def test_the_limits_are_public():
    assert serialization.MAX_DEPTH == 64
