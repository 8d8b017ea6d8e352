"""Datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``, ``random_split``.

Besides ``__getitem__``, a dataset may offer ``_batch_fetcher()``: a function taking an
int array of B indices and returning the already collated batch (a list of tensors with
first dimension B), exactly what ``default_collate`` would make of the B samples. The
``DataLoader`` uses it, when no ``collate_fn`` is given, to index whole batches at once
instead of stacking B samples one by one. It returns None when it cannot promise that
(for example in a subclass that overrides ``__getitem__``).
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ...creation import default_generator
from ...tensor import Tensor
from .sampler import resolve_generator

BatchFetcher = Callable[[np.ndarray], list]


class Dataset:
    """Base class: a map from an index to a sample. Subclasses define ``__getitem__``
    and (for the default samplers) ``__len__``. ``a + b`` concatenates two datasets."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])

    def _batch_fetcher(self) -> BatchFetcher | None:
        return None


def _fetcher_of(dataset: Any) -> BatchFetcher | None:
    get = getattr(dataset, "_batch_fetcher", None)
    return get() if callable(get) else None


class TensorDataset(Dataset):
    """Samples are slices along the first dimension of the given tensors.

    ``TensorDataset(x, y)`` with x (N, ...) and y (N, ...): ``ds[i]`` is ``(x[i], y[i])``
    and ``len(ds)`` is N. NumPy arrays are accepted and wrapped without a copy.
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        wrapped = []
        for i, t in enumerate(tensors):
            if isinstance(t, np.ndarray):
                t = Tensor._wrap(t)
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset expects Tensors, but argument {i} is {type(t).__name__}"
                )
            if t.ndim == 0:
                raise ValueError(
                    f"TensorDataset: tensor {i} is 0-d; every tensor needs a first dimension "
                    "to index samples along"
                )
            wrapped.append(t)
        sizes = [t.shape[0] for t in wrapped]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(list(t.shape)) for t in wrapped)
            raise ValueError(
                "Size mismatch between tensors: TensorDataset needs the same size in "
                f"dimension 0, but got sizes {sizes} (shapes {shapes})"
            )
        self.tensors: tuple[Tensor, ...] = tuple(wrapped)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch_fetcher(self) -> BatchFetcher | None:
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            return None  # a subclass changes what a sample is; collate per sample instead
        tensors = self.tensors

        def fetch(indices: np.ndarray) -> list[Tensor]:
            # One fancy-index per tensor; through the op only if a graph must be recorded.
            try:
                return [t[indices] if t.requires_grad else Tensor._wrap(t._data[indices])
                        for t in tensors]
            except IndexError as e:
                raise IndexError(f"{e} (in a TensorDataset of length {len(self)})") from None

        return fetch


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``Subset(ds, idx)[i] == ds[idx[i]]``."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        if isinstance(indices, Tensor):
            indices = indices._data.tolist()
        elif isinstance(indices, np.ndarray):
            indices = indices.tolist()
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch_fetcher(self) -> BatchFetcher | None:
        if type(self).__getitem__ is not Subset.__getitem__:
            return None
        inner = _fetcher_of(self.dataset)
        if inner is None:
            return None
        table = np.asarray(self.indices, dtype=np.int64)
        return lambda indices: inner(table[indices])


class ConcatDataset(Dataset):
    """Several datasets one after another; index i falls in the first dataset whose
    cumulative size exceeds it."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise IndexError(f"index {idx} is out of range for a dataset of length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Integer lengths; fractions summing to 1 are floored, and the remainder is handed out
    one by one from the first subset on (PyTorch's rule)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        out = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(out)):
            out[i % len(out)] += 1
        for i, length in enumerate(out):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              "This might result in an empty dataset.", stacklevel=3)
        return out
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(
            f"lengths must be non-negative integers or fractions summing to 1, got {list(lengths)}"
        )
    if sum(lengths) != n:
        raise ValueError(
            "Sum of input lengths does not equal the length of the input dataset! "
            f"(lengths sum to {sum(lengths)}, dataset has {n})"
        )
    return [int(x) for x in lengths]


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are counts summing to len(dataset), or fractions summing to 1.
    ``generator``: an int seed or ``np.random.Generator`` (None: the global generator).
    """
    n = len(dataset)
    sizes = _split_lengths(n, lengths)
    gen = resolve_generator(generator)
    perm = (gen if gen is not None else default_generator()).permutation(n).tolist()
    out, offset = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[offset:offset + size]))
        offset += size
    return out
