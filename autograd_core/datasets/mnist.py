"""MNIST from the four standard IDX files, read from a local folder or downloaded once.

The files (raw or ``.gz``) are looked for in ``root`` and in ``root/MNIST/raw`` (the
layout torchvision leaves behind). ``download=True`` fetches the missing ``.gz`` files
into ``root`` from the mirrors in ``MIRRORS`` (the dataset's origin is Yann LeCun's page,
last in the list; the others are the copies PyTorch and TensorFlow use), checking each
against its SHA-256 in ``RESOURCES`` before it is kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..utils.data.dataset import Dataset
from . import download as _dl
from .idx import IDXError, read_idx

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# SHA-256 of the published .gz files.
RESOURCES: dict[str, str] = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _root(root: str | os.PathLike | None) -> Path:
    return Path(root).expanduser() if root is not None else _dl.default_root() / "mnist"


def _find(root: Path, base: str) -> Path | None:
    for folder in (root, root / "MNIST" / "raw"):
        for name in (base, base + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _split_files(split: str) -> tuple[str, str]:
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return SPLITS[split]


def download_mnist(root: str | os.PathLike | None = None) -> Path:
    """Fetch the four MNIST ``.gz`` files into ``root`` (default: the cache folder), verified
    by SHA-256; files already there with the right checksum are reused. Returns the folder."""
    folder = _root(root)
    for name, sha in RESOURCES.items():
        _dl.download_file([m + name for m in MIRRORS], folder / name, sha)
    return folder


def read_mnist(root: str | os.PathLike | None = None, split: str = "train",
               download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The raw arrays: images uint8 (N, rows, cols) and labels uint8 (N,).

    Raises ``RuntimeError`` when the files are missing (and ``download`` is False) and
    ``IDXError`` when a file is not the IDX array MNIST needs.
    """
    folder = _root(root)
    bases = _split_files(split)
    paths = [_find(folder, b) for b in bases]
    if download and any(p is None for p in paths):
        download_mnist(folder)
        paths = [_find(folder, b) for b in bases]
    missing = [b for b, p in zip(bases, paths) if p is None]
    if missing:
        raise RuntimeError(
            "Dataset not found or corrupted. You can use download=True to download it "
            f"(looked for {', '.join(missing)} (raw or .gz) in {folder} and "
            f"{folder / 'MNIST' / 'raw'})"
        )
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.dtype != np.uint8 or images.ndim != 3:
        raise IDXError(f"{paths[0]}: expected MNIST images (IDX magic 2051 = 0x00000803: uint8, "
                       f"3 dimensions), got {images.dtype} with {images.ndim} dimensions")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise IDXError(f"{paths[1]}: expected MNIST labels (IDX magic 2049 = 0x00000801: uint8, "
                       f"1 dimension), got {labels.dtype} with {labels.ndim} dimensions")
    if images.shape[0] != labels.shape[0]:
        raise IDXError(f"MNIST {split}: {images.shape[0]} images in {paths[0]} but "
                       f"{labels.shape[0]} labels in {paths[1]}")
    if labels.size and labels.max() > 9:
        raise IDXError(f"{paths[1]}: labels must be digits 0..9, found {int(labels.max())}")
    return images, labels


def _to_float_images(images: np.ndarray) -> np.ndarray:
    # (B, rows, cols) uint8 -> (B, 1, rows, cols) float32 in [0, 1], one channel as for a CNN
    return (images.astype(np.float32) / np.float32(255.0))[:, None]


def load_mnist(root: str | os.PathLike | None = None, split: str = "train",
               download: bool = False) -> tuple[Tensor, Tensor]:
    """MNIST as tensors: images (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64.

    ``split`` is 'train' (60,000 images) or 'test' (10,000). ``root`` defaults to the
    cache folder (see ``download.default_root``) + '/mnist'.
    """
    images, labels = read_mnist(root, split, download)
    return Tensor._wrap(_to_float_images(images)), Tensor._wrap(labels.astype(np.int64))


class MNIST(Dataset):
    """MNIST as a ``Dataset``, with torchvision's arguments.

    ``.data``: uint8 tensor (N, 28, 28); ``.targets``: int64 tensor (N,). ``ds[i]`` is
    ``(image, label)``: the image a float32 tensor (1, 28, 28) in [0, 1] (torchvision would
    give a PIL image; here it is what ``ToTensor`` makes of it), passed through
    ``transform`` if given; the label an int, passed through ``target_transform``.
    """

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable[[Tensor], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None,
                 download: bool = False) -> None:
        self.root = _root(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        images, labels = read_mnist(self.root, "train" if train else "test", download)
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = Tensor._wrap(_to_float_images(self.data._data[index][None])[0])
        label = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def _batch_fetcher(self) -> Callable[[np.ndarray], list[Tensor]] | None:
        if self.transform is not None or self.target_transform is not None:
            return None
        if type(self).__getitem__ is not MNIST.__getitem__:
            return None
        images, labels = self.data._data, self.targets._data
        return lambda idx: [Tensor._wrap(_to_float_images(images[idx])),
                            Tensor._wrap(labels[idx])]
