"""``DataLoader(num_workers=N)``: batches loaded by N worker processes, as in PyTorch.

The main process keeps the sampler: it draws the batches' index lists and hands them
round-robin to the workers (each has its own index queue), at most ``prefetch_factor``
per worker ahead of what has been consumed. Each worker turns an index list into a batch
with the same fetch (dataset indexing and collate) that ``num_workers=0`` uses, and puts
``(task number, batch)`` on one shared result queue; the main process hands the batches
out in task order. So the batches, their order and their content are the same with any
number of workers.

Each worker is seeded as PyTorch seeds it: ``base_seed + worker_id`` for Python's
``random`` and ``autograd_core.manual_seed``, and a seed derived from both for NumPy's
global generator; ``base_seed`` is drawn once per iterator (once for persistent
workers) from the loader's generator without advancing it, so shuffling gives the same
order whatever ``num_workers`` is. ``get_worker_info()`` tells dataset code which worker
it runs in. An exception in a worker is re-raised in the main process with the worker's
traceback; a worker that dies, or a batch slower than ``timeout`` seconds, raises a
RuntimeError instead of hanging.
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import os
import queue
import random
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ...creation import manual_seed
from .collate import default_collate, default_convert
from .dataset import _fetcher_of

# How often a waiting process checks that the other side is still alive (seconds).
_STATUS_CHECK_INTERVAL = 1.0


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker process.

    id: this worker's number in [0, num_workers); num_workers; seed: the seed this
    worker's generators were given; dataset: this worker's copy of the dataset.
    """

    __slots__ = ("id", "num_workers", "seed", "dataset", "_frozen")

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:  # noqa: A002
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False):
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, "
                f"seed={self.seed}, dataset={type(self.dataset).__name__})")


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its ``WorkerInfo``; in the main process, None.

    Dataset code uses it to split work between workers or to seed per-worker state.
    """
    return _worker_info


class Fetch:
    """Index list -> batch (or index -> sample without batching): the one fetch shared
    by ``num_workers=0`` and the worker processes, so both give the same batches."""

    def __init__(self, dataset: Any, auto_batch: bool, collate_fn: Callable | None) -> None:
        self.dataset = dataset
        self.auto_batch = auto_batch
        self.collate_fn = collate_fn
        self._fast: Any = None
        self._fast_known = False

    def __call__(self, indices: Any) -> Any:
        dataset = self.dataset
        if not self.auto_batch:
            return (self.collate_fn or default_convert)(dataset[indices])
        if self.collate_fn is None:
            if not self._fast_known:  # looked up once, in the process that fetches
                self._fast = _fetcher_of(dataset)
                self._fast_known = True
            if self._fast is not None:
                return self._fast(np.asarray(indices, dtype=np.int64))
        return (self.collate_fn or default_collate)([dataset[i] for i in indices])

    def __getstate__(self) -> dict:
        # The fast fetcher is a closure (not picklable for spawn); each worker finds its own.
        return {"dataset": self.dataset, "auto_batch": self.auto_batch,
                "collate_fn": self.collate_fn, "_fast": None, "_fast_known": False}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class _WorkerError:
    """An exception raised in a worker, carried to the main process as text."""

    def __init__(self, where: str) -> None:
        exc_type, exc, _ = sys.exc_info()
        self.exc_type = exc_type
        self.where = where
        self.text = "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))

    def reraise(self) -> None:
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.text}"
        try:
            err = self.exc_type(msg)
        except Exception:  # an exception class that takes other arguments
            err = None
        if not isinstance(err, BaseException):
            raise RuntimeError(msg)
        raise err


def _numpy_seed(base_seed: int, worker_id: int) -> np.ndarray:
    """NumPy's global seed in a worker: a hash of both numbers (distinct per worker)."""
    return np.random.SeedSequence([worker_id, base_seed]).generate_state(4)


def _worker_loop(fetch: Fetch, index_queue: Any, result_queue: Any, done: Any,
                 worker_id: int, num_workers: int, base_seed: int,
                 init_fn: Callable | None, parent_pid: int) -> None:
    """A worker process: seed, run ``init_fn``, then fetch batches until told to stop."""
    global _worker_info
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    init_error = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception:
            init_error = _WorkerError(f"in DataLoader worker process {worker_id}")
    try:
        while True:
            try:
                task = index_queue.get(timeout=_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent_pid:  # the main process is gone
                    break
                continue
            if task is None or done.is_set():
                break
            epoch, idx, indices = task
            if init_error is not None:
                data: Any = init_error
            else:
                try:
                    data = fetch(indices)
                except Exception:
                    data = _WorkerError(f"in DataLoader worker process {worker_id}")
            result_queue.put((epoch, idx, data))
            del data  # do not hold the last batch while waiting for the next task
    except KeyboardInterrupt:  # the main process handles Ctrl-C
        pass
    # Leaving: results nobody will read must not keep this process alive.
    result_queue.cancel_join_thread()
    result_queue.close()


def base_seed_from(rng: np.random.Generator) -> int:
    """A 63-bit seed that follows ``rng``'s state without advancing it.

    Drawn from a jumped copy of its bit generator, so a loader with workers consumes
    exactly the numbers a loader without them does (the same shuffle order), while the
    seed still changes with ``manual_seed`` and from epoch to epoch.
    """
    bits = rng.bit_generator
    jumped = getattr(bits, "jumped", None)
    copy_rng = (np.random.Generator(jumped()) if jumped is not None
                else copy.deepcopy(rng))
    return int(copy_rng.integers(0, 1 << 63))


def _context(spec: Any) -> Any:
    if spec is None:
        # fork where there is one (Linux: the dataset need not be picklable, and workers
        # start at once), as PyTorch's default there.
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else None)
    if isinstance(spec, str):
        return multiprocessing.get_context(spec)
    return spec


class WorkerPool:
    """The worker processes of one DataLoader iterator (kept across epochs when the
    loader's workers are persistent)."""

    def __init__(self, fetch: Fetch, num_workers: int, base_seed: int,
                 init_fn: Callable | None, context: Any) -> None:
        ctx = _context(context)
        self.num_workers = num_workers
        self.result_queue = ctx.Queue()
        self.done = ctx.Event()  # set at shutdown: workers skip the tasks still queued
        self.index_queues = []
        self.workers = []
        self.epoch = 0
        self.closed = False
        parent = os.getpid()
        for i in range(num_workers):
            iq = ctx.Queue()
            iq.cancel_join_thread()  # index lists are cheap to lose at shutdown
            w = ctx.Process(target=_worker_loop, daemon=True,
                            args=(fetch, iq, self.result_queue, self.done, i, num_workers,
                                  base_seed, init_fn, parent))
            w.start()
            self.index_queues.append(iq)
            self.workers.append(w)

    def get(self, timeout: float) -> tuple:
        """The next result of the current epoch: (task number, batch)."""
        waited = 0.0
        while True:
            step = _STATUS_CHECK_INTERVAL
            if timeout > 0:
                step = min(step, timeout - waited)
            try:
                epoch, idx, data = self.result_queue.get(timeout=step)
            except queue.Empty:
                waited += step
                dead = [w for w in self.workers if not w.is_alive()]
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    self.shutdown(wait=False)
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
                if timeout > 0 and waited >= timeout - 1e-9:
                    self.shutdown(wait=False)  # a stuck worker is not waited for
                    raise RuntimeError(
                        f"DataLoader timed out after {timeout} seconds") from None
                continue
            if epoch == self.epoch:
                return idx, data
            # A result of an epoch the caller left early: dropped.

    def shutdown(self, wait: bool = True) -> None:
        """Stop the workers: a None task each, then wait for them briefly (``wait``) or
        not at all, terminating those still running."""
        if self.closed:
            return
        self.closed = True
        self.done.set()
        for q in self.index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self.workers:
            w.join(timeout=5.0 if wait else 0.0)
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        for q in [*self.index_queues, self.result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self.shutdown()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass


class MultiProcessIter:
    """One epoch over a DataLoader with workers: sends index lists, yields batches."""

    def __init__(self, pool: WorkerPool, tasks: Iterator[Any], prefetch: int,
                 timeout: float, in_order: bool, persistent: bool) -> None:
        pool.epoch += 1
        self.pool = pool
        self.tasks = tasks
        self.timeout = timeout
        self.in_order = in_order
        self.persistent = persistent
        self.next_worker = itertools.cycle(range(pool.num_workers))
        self.sent = 0  # task numbers handed out
        self.received = 0  # batches handed to the caller (in order: the next one's number)
        self.cache: dict[int, Any] = {}
        self.exhausted = False
        for _ in range(prefetch * pool.num_workers):
            self._send()

    def _send(self) -> None:
        if self.exhausted:
            return
        try:
            indices = next(self.tasks)
        except StopIteration:
            self.exhausted = True
            return
        w = next(self.next_worker)
        self.pool.index_queues[w].put((self.pool.epoch, self.sent, indices))
        self.sent += 1

    def __iter__(self) -> MultiProcessIter:
        return self

    def __next__(self) -> Any:
        if self.received >= self.sent:
            self._finish()
            raise StopIteration
        if self.in_order:
            while self.received not in self.cache:
                idx, data = self._get()
                self.cache[idx] = data
            data = self.cache.pop(self.received)
        else:
            data = self.cache.pop(next(iter(self.cache))) if self.cache else self._get()[1]
        self.received += 1
        self._send()
        if isinstance(data, _WorkerError):
            if not self.persistent:
                self.pool.shutdown()
            data.reraise()
        return data

    def _get(self) -> tuple:
        try:
            return self.pool.get(self.timeout)
        except BaseException:
            if not self.persistent:
                self.pool.shutdown()
            raise

    def _finish(self) -> None:
        if not self.persistent:
            self.pool.shutdown()
