"""Samplers: the order in which a ``DataLoader`` visits a dataset's indices.

``generator`` arguments take an ``autograd_core.Generator`` (``torch.Generator``) or an
``np.random.Generator`` (used and advanced in place), an int seed (turned into a private
``np.random.default_rng(seed)`` once, at construction, so successive epochs differ but
the whole run repeats), or None (draw from the global ``autograd_core.default_generator``
each epoch, so ``manual_seed`` governs it).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ...creation import default_generator
from ...random import Generator, numpy_rng


def resolve_generator(generator: Any) -> np.random.Generator | None:
    """An ``np.random.Generator`` from a Generator (``autograd_core.Generator``: its own
    NumPy generator, which ``manual_seed`` on it reseeds in place), an
    ``np.random.Generator``, an int seed or None (None stays None)."""
    if generator is None:
        return None
    if isinstance(generator, (Generator, np.random.Generator)):
        return numpy_rng(generator)
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        "generator must be a numpy.random.Generator, an autograd_core.Generator (torch."
        f"Generator), an int seed or None, but got {type(generator).__name__}"
    )


def _positive_int(name: str, value: Any) -> int:
    if (not isinstance(value, numbers.Integral) or isinstance(value, bool)) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


class Sampler:
    """Base class: an iterable of dataset indices; subclasses define ``__iter__``/``__len__``."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices (or ``num_samples`` draws with replacement).

    Without replacement and ``num_samples`` > len(data_source), whole permutations are
    chained (as PyTorch does). Indices are drawn as iteration goes, one permutation or
    one chunk of ``_CHUNK`` draws at a time, so ``num_samples`` may be huge
    (``RandomSampler(ds, replacement=True, num_samples=10**12)`` allocates nothing of
    that size). Without a generator one seed is drawn from the global generator when
    iteration starts and the epoch uses a private stream from it (as PyTorch), so a
    long epoch's draws do not interleave with the program's other random numbers.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                "replacement should be a boolean value, but got "
                f"replacement={replacement!r}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = resolve_generator(generator)
        if num_samples is not None:
            _positive_int("num_samples", num_samples)

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields (len(data_source) unless given)."""
        if self._num_samples is None:
            return len(self.data_source)
        return int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        gen = self.generator
        if gen is None:
            gen = np.random.default_rng(int(default_generator().integers(0, 1 << 63)))
        k = self.num_samples
        if n == 0 or k == 0:
            return iter(())
        if self.replacement:
            return _draws_with_replacement(gen, n, k)
        # The first permutation is drawn now (the epoch's order is fixed when iter() is
        # called, for the usual num_samples <= n); further ones as they are reached.
        first = gen.permutation(n)[:k].tolist()
        return _chained_permutations(gen, n, k, first)

    def __len__(self) -> int:
        return self.num_samples


_CHUNK = 4096  # indices drawn at once with replacement: bounded memory, few NumPy calls


def _draws_with_replacement(gen: Any, n: int, k: int) -> Iterator[int]:
    for start in range(0, k, _CHUNK):
        yield from gen.integers(0, n, size=min(_CHUNK, k - start)).tolist()


def _chained_permutations(gen: Any, n: int, k: int, first: list[int]) -> Iterator[int]:
    yield from first
    left = k - len(first)
    while left > 0:
        perm = gen.permutation(n)
        yield from perm[:left].tolist()
        left -= n


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each pass."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = resolve_generator(generator)

    def __iter__(self) -> Iterator[int]:
        gen = self.generator if self.generator is not None else default_generator()
        perm = gen.permutation(len(self.indices))
        return iter([self.indices[i] for i in perm.tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size``.

    The last, shorter list is kept unless ``drop_last``. ``len`` is
    floor(n / batch_size) with ``drop_last``, else ceil(n / batch_size).
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        self.batch_size = _positive_int("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last!r}"
            )
        self.sampler = sampler
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)
