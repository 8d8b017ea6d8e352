"""Real data for the examples and notebooks.

- ``load_digits``: scikit-learn's bundled 8x8 handwritten digits (no download), as
  tensors (N, 1, 8, 8) float32 in [0, 1] and (N,) int64, with a seeded stratified split.
- ``load_mnist`` / ``MNIST``: the standard IDX files from a local folder, or downloaded
  once (``download=True``) with SHA-256 checks into a cache folder.
- ``read_idx`` / ``write_idx``: the IDX file format itself.
"""

from . import download
from .digits import load_digits, stratified_split
from .idx import IDXError, parse_idx, read_idx, to_idx_bytes, write_idx
from .mnist import MNIST, download_mnist, load_mnist, read_mnist

__all__ = [
    "IDXError",
    "MNIST",
    "download",
    "download_mnist",
    "load_digits",
    "load_mnist",
    "parse_idx",
    "read_idx",
    "read_mnist",
    "stratified_split",
    "to_idx_bytes",
    "write_idx",
]
