"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches, in the
calling process or in worker processes (``num_workers > 0``; see ``_workers.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ...creation import default_generator
from ._workers import Fetch, MultiProcessIter, WorkerPool, base_seed_from
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
        num_workers: 0 loads batches in the calling process; N > 0 starts N worker
            processes (fork where available) that load batches ahead, each seeded per
            worker as in PyTorch; the batches and their order are the same either way.
        collate_fn: list of B samples -> batch; default ``default_collate``.
        pin_memory: accepted for compatibility (a no-op: there is only the CPU).
        drop_last: drop the last batch when it holds fewer than B samples.
        timeout: seconds to wait for a batch from the workers (0: no limit); past it a
            RuntimeError is raised.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after
            seeding, before loading; ``get_worker_info()`` works there.
        multiprocessing_context: a start method name ("fork", "spawn", "forkserver") or
            a ``multiprocessing`` context; None: fork where the platform has it.
        generator: ``autograd_core.Generator`` (``torch.Generator``), ``np.random.Generator``
            or int seed for the shuffle order. An int makes a private generator once,
            here, so epochs differ yet the run repeats; None draws from the global
            ``autograd_core.default_generator`` at the start of each epoch (so
            ``autograd_core.manual_seed`` makes shuffling repeatable). The workers' base
            seed follows it too, drawn without advancing it.
        prefetch_factor: batches loaded ahead per worker (default 2 with workers; must
            stay None without them).
        persistent_workers: keep the worker processes between epochs.
        pin_memory_device: accepted for compatibility (a no-op).
        in_order: with workers, hand out batches in sampler order (True) or as they
            arrive (False).

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
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                "DataLoader needs a map-style dataset (with __getitem__ and __len__), "
                f"got {type(dataset).__name__}"
            )
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                              multiprocessing_context)
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
        self.num_workers = int(num_workers)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.collate_fn = collate_fn
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = (2 if prefetch_factor is None else int(prefetch_factor)
                                ) if self.num_workers > 0 else None
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._pool: WorkerPool | None = None  # the persistent workers, once started

    def __iter__(self) -> Iterator[Any]:
        fetch = Fetch(self.dataset, self.batch_sampler is not None, self.collate_fn)
        tasks = self.sampler if self.batch_sampler is None else self.batch_sampler
        if self.num_workers == 0:
            return map(fetch, tasks)
        pool = self._pool
        if pool is None or pool.closed:
            seed = base_seed_from(self._numpy_generator())
            pool = WorkerPool(fetch, self.num_workers, seed, self.worker_init_fn,
                              self.multiprocessing_context)
            if self.persistent_workers:
                self._pool = pool
        return MultiProcessIter(pool, iter(tasks), self.prefetch_factor, self.timeout,
                                self.in_order, self.persistent_workers)

    def _numpy_generator(self) -> np.random.Generator:
        """The NumPy generator the shuffle draws from (the loader's, or the global one)."""
        if self.generator is not None:
            return self.generator
        g = default_generator()
        return g if isinstance(g, np.random.Generator) else resolve_generator(g)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, drop_last={self.drop_last})")


def _check_worker_options(num_workers: Any, timeout: Any, prefetch_factor: Any,
                          persistent_workers: Any, context: Any) -> None:
    """PyTorch's checks (and messages) for the worker arguments."""
    if (not isinstance(num_workers, (int, np.integer)) or isinstance(num_workers, bool)
            or num_workers < 0):
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            "multiprocessing.")
    if not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing."
            "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
            "to None.")
    if prefetch_factor is not None and (not isinstance(prefetch_factor, (int, np.integer))
                                        or prefetch_factor < 0):
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if context is not None and num_workers == 0:
        raise ValueError(
            "multiprocessing_context can only be used with multi-process loading "
            f"(num_workers > 0), but got num_workers={num_workers}")
