"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .collate import default_collate, default_convert
from .dataset import _fetcher_of
from .sampler import BatchSampler, RandomSampler, SequentialSampler, resolve_generator


class DataLoader:
    """Mini-batches of a map-style dataset, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: anything with ``__getitem__(int)`` and ``__len__``.
        batch_size: samples per batch B (None: no batching, one converted sample at a time).
        shuffle: visit the samples in a new random order each epoch.
        sampler: an iterable of indices (mutually exclusive with ``shuffle``).
        batch_sampler: an iterable of index lists (excludes batch_size, shuffle, sampler,
            drop_last).
        num_workers: must be 0; batches are loaded in the calling process.
        collate_fn: list of B samples -> batch; default ``default_collate``.
        pin_memory: accepted for compatibility; there is only the CPU.
        drop_last: drop the last batch when it holds fewer than B samples.
        generator: ``np.random.Generator`` or int seed for the shuffle order. An int makes
            a private generator once, here, so epochs differ yet the run repeats; None
            draws from ``autograd_core.default_generator()`` at the start of each epoch
            (so ``autograd_core.manual_seed`` makes shuffling repeatable).

    A ``TensorDataset`` (or a ``Subset`` of one) with the default collate is indexed one
    whole batch at a time, giving the same batches as stacking sample by sample.
    ``len(loader)`` is the number of batches: ceil(N / B), or floor(N / B) with drop_last.
    Batches of a ``TensorDataset(x, y)`` are lists ``[x_batch (B, ...), y_batch (B, ...)]``.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        sampler: Iterable[Any] | None = None,
        batch_sampler: Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        *,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                "DataLoader needs a map-style dataset (with __getitem__ and __len__), "
                f"got {type(dataset).__name__}"
            )
        if num_workers != 0:
            raise ValueError(
                f"num_workers={num_workers!r} is not supported: autograd_core loads batches in "
                "the main process (use num_workers=0)"
            )
        shuffle = bool(shuffle) if shuffle is not None else False
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last!r}"
            )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )

        self.dataset = dataset
        self.generator = resolve_generator(generator)
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=self.generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = 0
        self.pin_memory = pin_memory
        self.collate_fn = collate_fn

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            convert = self.collate_fn or default_convert
            for idx in self.sampler:
                yield convert(self.dataset[idx])
            return
        fetch = _fetcher_of(self.dataset) if self.collate_fn is None else None
        if fetch is not None:
            for indices in self.batch_sampler:
                yield fetch(np.asarray(indices, dtype=np.int64))
            return
        collate = self.collate_fn or default_collate
        for indices in self.batch_sampler:
            yield collate([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, drop_last={self.drop_last})")
