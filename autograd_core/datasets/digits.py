"""scikit-learn's handwritten digits (1,797 images of 8x8, ten classes), no download needed.

The images ship inside the scikit-learn package; pixel values are 0..16. This module
scales them to [0, 1] and splits them into train and test with a seeded, stratified rule
that is independent of any global random state.
"""

from __future__ import annotations

import functools

import numpy as np

from ..tensor import Tensor

N_SAMPLES = 1797


@functools.lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits images: "
            "pip install scikit-learn (or pip install 'autograd-core[train]')"
        ) from e
    bunch = sk_load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8)
    labels = bunch.target.astype(np.int64)
    images.flags.writeable = labels.flags.writeable = False  # the cache must not change
    return images, labels


def stratified_split(labels: np.ndarray, test_fraction: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and test index arrays with round(test_fraction * N) test samples, each
    class contributing in proportion to its size (largest remainders get the leftovers).

    Per class, which samples go to test is drawn from ``np.random.default_rng(seed)``.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), "
                         f"got {test_fraction!r}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    n_test = int(round(test_fraction * labels.size))
    exact = counts * test_fraction
    per_class = np.floor(exact).astype(np.int64)
    leftover = n_test - int(per_class.sum())
    # Ties in the remainder go to the lower class (stable sort), so the rule is deterministic.
    order = np.argsort(-(exact - per_class), kind="stable")
    per_class[order[:leftover]] += 1
    test = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, per_class)]
    test_idx = np.sort(np.concatenate(test))
    train_mask = np.ones(labels.size, dtype=bool)
    train_mask[test_idx] = False
    return np.flatnonzero(train_mask), test_idx


def load_digits(split: str = "train", test_fraction: float = 0.2,
                seed: int = 0) -> tuple[Tensor, Tensor]:
    """The 8x8 digits as tensors: images (N, 1, 8, 8) float32 in [0, 1], labels (N,) int64.

    ``split``: 'train', 'test' or 'all' (all 1,797). The test part holds
    round(test_fraction * 1797) images (359 by default), stratified by class; the same
    ``seed`` and ``test_fraction`` always give the same split, and train and test never
    overlap. Each call returns fresh arrays.
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    images, labels = _raw()
    if split == "all":
        idx = np.arange(labels.size)
    else:
        train_idx, test_idx = stratified_split(labels, test_fraction, seed)
        idx = train_idx if split == "train" else test_idx
    return Tensor._wrap(images[idx]), Tensor._wrap(labels[idx])
