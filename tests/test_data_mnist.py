"""IDX files and the MNIST loader, offline: every file is written here, and the download
path runs against a fake ``fetch`` that serves those bytes. The network is never touched."""

from __future__ import annotations

import gzip
import hashlib
import struct
import urllib.error

import numpy as np
import pytest

from autograd_core.datasets import (
    MNIST,
    IDXError,
    download_mnist,
    load_mnist,
    parse_idx,
    read_idx,
    to_idx_bytes,
    write_idx,
)
from autograd_core.datasets import download as dl
from autograd_core.datasets import mnist as mnist_mod
from autograd_core.utils.data import DataLoader, default_collate


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(dl.urllib.request, "urlopen", refuse)


def idx_bytes_by_hand(arr: np.ndarray, code: int) -> bytes:
    """The IDX encoding written out from the format description, independent of the library."""
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


# ----- IDX --------------------------------------------------------------------------------
@pytest.mark.parametrize("compress", [False, True])
def test_read_hand_written_uint8_images_and_labels(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    for name, arr, magic in (("img", images, 2051), ("lab", labels, 2049)):
        data = idx_bytes_by_hand(arr, 0x08)
        assert struct.unpack(">I", data[:4])[0] == magic  # MNIST's documented magic numbers
        path = tmp_path / (name + (".gz" if compress else ""))
        path.write_bytes(gzip.compress(data) if compress else data)
        got = read_idx(path)
        assert got.dtype == np.uint8 and got.shape == arr.shape
        np.testing.assert_array_equal(got, arr)
        assert got.flags.writeable


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                        (np.int32, 0x0C), (np.float32, 0x0D),
                                        (np.float64, 0x0E)])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_every_type(tmp_path, dtype, code, suffix):
    rng = np.random.default_rng(1)
    arr = (rng.standard_normal((3, 2, 4)) * 100).astype(dtype)
    assert to_idx_bytes(arr) == idx_bytes_by_hand(arr, code)
    path = tmp_path / ("a.idx" + suffix)
    write_idx(path, arr)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, arr)


def test_big_endian_layout():
    assert to_idx_bytes(np.array([1, 258], dtype=np.int32)) == (
        b"\x00\x00\x0c\x01" + b"\x00\x00\x00\x02" + b"\x00\x00\x00\x01" + b"\x00\x00\x01\x02")
    np.testing.assert_array_equal(parse_idx(b"\x00\x00\x0b\x01\x00\x00\x00\x01\x01\x00"), [256])


GOOD = idx_bytes_by_hand(np.arange(12, dtype=np.uint8).reshape(3, 4), 0x08)


@pytest.mark.parametrize("data,message", [
    (b"", r"truncated IDX file: 0 bytes"),
    (b"\x00\x00", r"truncated IDX file: 2 bytes"),
    (b"\x01\x00" + GOOD[2:], r"not an IDX file: magic number 0x01000802"),
    (b"PK\x03\x04" + GOOD[4:], r"not an IDX file"),
    (b"\x00\x00\x07\x02" + GOOD[4:], r"unknown IDX type code 0x07.*0x08 uint8"),
    (b"\x00\x00\x08\x00", r"declares 0 dimensions"),
    (GOOD[:10], r"truncated IDX header: 2 dimensions need 12 bytes, the file has 10"),
    (GOOD[:-1], r"truncated IDX file: shape \[3, 4\] of uint8 needs 12 data bytes, found 11"),
    (GOOD + b"\x00\x00", r"2 unexpected bytes after the data"),
])
def test_malformed_idx_errors(tmp_path, data, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(data)
    with pytest.raises(IDXError, match=message):
        read_idx(path)
    with pytest.raises(ValueError, match="bad-idx"):  # IDXError is a ValueError naming the file
        read_idx(path)


def test_corrupt_and_truncated_gzip(tmp_path):
    packed = gzip.compress(GOOD)
    (tmp_path / "cut.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IDXError, match=r"cut.gz: corrupt gzip data"):
        read_idx(tmp_path / "cut.gz")
    (tmp_path / "garbled.gz").write_bytes(packed[:10] + b"\xff" * (len(packed) - 10))
    with pytest.raises(IDXError, match=r"garbled.gz: corrupt gzip data"):
        read_idx(tmp_path / "garbled.gz")
    (tmp_path / "short.gz").write_bytes(gzip.compress(GOOD[:-3]))
    with pytest.raises(IDXError, match="truncated IDX file"):
        read_idx(tmp_path / "short.gz")


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="IDX cannot hold dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        to_idx_bytes(np.array(3, np.uint8))


# ----- MNIST from a folder ----------------------------------------------------------------
def fake_mnist(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 6, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 4, dtype=np.uint8),
    }


def write_folder(folder, arrays, gz_names=("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")):
    folder.mkdir(parents=True, exist_ok=True)
    for base, arr in arrays.items():
        data = idx_bytes_by_hand(arr, 0x08)
        if base in gz_names:
            (folder / (base + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / base).write_bytes(data)


@pytest.mark.parametrize("layout", [".", "MNIST/raw"])
def test_load_mnist_from_folder(tmp_path, layout):
    arrays = fake_mnist()
    write_folder(tmp_path / layout, arrays)  # train raw, test gzipped
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x, y = load_mnist(tmp_path, split=split)
        raw_images = arrays[f"{prefix}-images-idx3-ubyte"]
        assert x.shape == (len(raw_images), 1, 28, 28) and x.dtype == np.float32
        assert y.dtype == np.int64 and y.shape == (len(raw_images),)
        np.testing.assert_allclose(x._data[:, 0], raw_images / 255.0, rtol=1e-6)
        np.testing.assert_array_equal(y._data, arrays[f"{prefix}-labels-idx1-ubyte"])
        assert 0.0 <= x._data.min() and x._data.max() <= 1.0


def test_default_root_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_CORE_DATA", str(tmp_path))
    write_folder(tmp_path / "mnist", fake_mnist())
    assert dl.default_root() == tmp_path
    assert load_mnist(split="test")[0].shape == (4, 1, 28, 28)


def test_mnist_dataset_and_loader(tmp_path):
    arrays = fake_mnist()
    write_folder(tmp_path, arrays)
    ds = MNIST(tmp_path, train=True)
    assert len(ds) == 6 and ds.data.dtype == np.uint8 and ds.targets.dtype == np.int64
    image, label = ds[2]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    assert label == int(arrays["train-labels-idx1-ubyte"][2]) and isinstance(label, int)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=0))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=0,
                           collate_fn=default_collate))
    for a, b in zip(fast, slow):
        for ta, tb in zip(a, b):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape
            np.testing.assert_array_equal(ta._data, tb._data)
    flipped = MNIST(tmp_path, train=False, transform=lambda t: t * 0 - 1,
                    target_transform=lambda k: k + 10)
    image, label = flipped[0]
    assert image._data.max() == -1 and label == int(arrays["t10k-labels-idx1-ubyte"][0]) + 10
    (_, labels), *_ = DataLoader(flipped, batch_size=4)
    np.testing.assert_array_equal(labels._data, arrays["t10k-labels-idx1-ubyte"] + 10)


def test_missing_files(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use "
                                           "download=True to download it"):
        load_mnist(tmp_path)
    arrays = fake_mnist()
    del arrays["t10k-labels-idx1-ubyte"]
    write_folder(tmp_path, arrays)
    load_mnist(tmp_path, "train")
    with pytest.raises(RuntimeError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path, "test")
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'val'"):
        load_mnist(tmp_path, "val")


def test_files_of_the_wrong_kind(tmp_path):
    arrays = fake_mnist()
    arrays["train-labels-idx1-ubyte"] = arrays["train-images-idx3-ubyte"]  # magic 2051
    write_folder(tmp_path, arrays)
    with pytest.raises(IDXError, match=r"expected MNIST labels \(IDX magic 2049"):
        load_mnist(tmp_path, "train")
    arrays = fake_mnist()
    arrays["t10k-labels-idx1-ubyte"] = arrays["t10k-labels-idx1-ubyte"][:3]
    write_folder(tmp_path, arrays)
    with pytest.raises(IDXError, match="4 images .* but 3 labels"):
        load_mnist(tmp_path, "test")
    arrays = fake_mnist()
    arrays["t10k-labels-idx1-ubyte"][1] = 12
    write_folder(tmp_path, arrays)
    with pytest.raises(IDXError, match="labels must be digits 0..9, found 12"):
        load_mnist(tmp_path, "test")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(
        idx_bytes_by_hand(np.zeros((6, 28, 28), np.int32), 0x0C))
    with pytest.raises(IDXError, match=r"expected MNIST images \(IDX magic 2051.*got int32"):
        load_mnist(tmp_path, "train")


# ----- download with a fake fetch -----------------------------------------------------------
class FakeServer:
    """Serves the .gz bytes of fake MNIST files at every mirror's URL; records requests."""

    def __init__(self, arrays, broken_mirrors=(), wrong_bytes=False):
        self.files = {base + ".gz": gzip.compress(idx_bytes_by_hand(arr, 0x08), mtime=0)
                      for base, arr in arrays.items()}
        self.broken_mirrors = broken_mirrors
        self.wrong_bytes = wrong_bytes
        self.requests: list[str] = []

    def checksums(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()}

    def fetch(self, url: str, timeout: float = 60.0) -> bytes:
        self.requests.append(url)
        mirror, name = url.rsplit("/", 1)
        if mirror + "/" in self.broken_mirrors:
            raise urllib.error.URLError("connection refused")
        return self.files[name] + (b"tampered" if self.wrong_bytes else b"")


def test_download_fetches_verifies_and_reuses_cache(tmp_path, monkeypatch):
    arrays = fake_mnist(seed=7)
    server = FakeServer(arrays)
    monkeypatch.setattr(dl, "fetch", server.fetch)
    monkeypatch.setattr(mnist_mod, "RESOURCES", server.checksums())
    root = tmp_path / "cache"
    x, y = load_mnist(root, "train", download=True)
    assert len(server.requests) == 4  # all four files, from the first mirror
    assert all(u.startswith(mnist_mod.MIRRORS[0]) for u in server.requests)
    assert sorted(p.name for p in root.iterdir()) == sorted(server.files)  # no .part left
    np.testing.assert_array_equal(y._data, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_allclose(x._data[:, 0], arrays["train-images-idx3-ubyte"] / 255.0,
                               rtol=1e-6)
    load_mnist(root, "test", download=True)
    MNIST(root, train=True, download=True)
    assert download_mnist(root) == root
    assert len(server.requests) == 4  # the cache is reused: nothing fetched again
    (root / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")  # a damaged cache entry
    download_mnist(root)
    assert [u.rsplit("/", 1)[1] for u in server.requests[4:]] == ["t10k-labels-idx1-ubyte.gz"]
    np.testing.assert_array_equal(load_mnist(root, "test")[1]._data,
                                  arrays["t10k-labels-idx1-ubyte"])


def test_download_falls_back_to_next_mirror(tmp_path, monkeypatch):
    server = FakeServer(fake_mnist(), broken_mirrors=mnist_mod.MIRRORS[:1])
    monkeypatch.setattr(dl, "fetch", server.fetch)
    monkeypatch.setattr(mnist_mod, "RESOURCES", server.checksums())
    download_mnist(tmp_path)
    assert len(server.requests) == 8
    assert all(u.startswith(mnist_mod.MIRRORS[1]) for u in server.requests[1::2])


def test_download_checksum_mismatch(tmp_path, monkeypatch):
    server = FakeServer(fake_mnist(), wrong_bytes=True)
    monkeypatch.setattr(dl, "fetch", server.fetch)
    monkeypatch.setattr(mnist_mod, "RESOURCES", server.checksums())
    pattern = (r"could not download train-images-idx3-ubyte.gz(.|\n)*"
               r"checksum mismatch: expected SHA-256 [0-9a-f]{64}, got [0-9a-f]{64}")
    with pytest.raises(RuntimeError, match=pattern):
        load_mnist(tmp_path, download=True)
    assert len(server.requests) == len(mnist_mod.MIRRORS)  # every mirror tried once
    assert list(tmp_path.iterdir()) == []  # nothing unverified was kept


def test_download_against_real_checksums_rejects_fake_files(tmp_path, monkeypatch):
    server = FakeServer(fake_mnist())
    monkeypatch.setattr(dl, "fetch", server.fetch)
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        download_mnist(tmp_path)


def test_all_mirrors_down(tmp_path, monkeypatch):
    server = FakeServer(fake_mnist(), broken_mirrors=mnist_mod.MIRRORS)
    monkeypatch.setattr(dl, "fetch", server.fetch)
    with pytest.raises(RuntimeError, match="connection refused"):
        download_mnist(tmp_path)


def test_published_resources_are_well_formed():
    assert set(mnist_mod.RESOURCES) == {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
    for digest in mnist_mod.RESOURCES.values():
        assert len(digest) == 64 and int(digest, 16) >= 0
    assert all(m.startswith(("https://", "http://")) and m.endswith("/")
               for m in mnist_mod.MIRRORS)
    assert any("yann.lecun.com" in m for m in mnist_mod.MIRRORS)
