"""DataLoader with worker processes (``num_workers > 0``) and lazy samplers.

Tiny datasets; workers start by fork on Linux, so each loader costs a few milliseconds.
"""

from __future__ import annotations

import os
import random
import tracemalloc

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    TensorDataset,
    get_worker_info,
)


class Squares(Dataset):
    """Sample i: (tensor [i, i^2] float64, int i, {"name": str}); collated per sample."""

    def __init__(self, n: int = 11) -> None:
        self.n = n
        self.offset = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        v = float(i + self.offset)
        return ac.tensor(np.array([v, v * v])), i, {"name": f"s{i}"}


class WhoAmI(Dataset):
    """Sample i: what the worker that loads it knows about itself."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        info = get_worker_info()
        return {
            "index": i,
            "worker": -1 if info is None else info.id,
            "num_workers": -1 if info is None else info.num_workers,
            "seed": -1 if info is None else info.seed,
            "pid": os.getpid(),
            "py": random.random(),
            "np": float(np.random.rand()),
            "ac": float(ac.rand(1).item()),
        }


class Failing(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int):
        if i == 4:
            raise ValueError(f"bad sample {i}")
        return i


class Dying(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int):
        if i == 3 and get_worker_info() is not None:
            os._exit(3)  # a worker that crashes without a Python exception
        return i


class Slow(Dataset):
    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int):
        import time

        time.sleep(3)
        return i


def _plain(batch):
    """A batch as nested Python values, for exact comparison."""
    if isinstance(batch, ac.Tensor):
        return (str(batch.dtype), batch._data.tolist())
    if isinstance(batch, dict):
        return {k: _plain(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_plain(b) for b in batch]
    return batch


def _epoch(loader):
    return [_plain(b) for b in loader]


# ----- same batches with and without workers ---------------------------------------------


@pytest.mark.parametrize("kwargs", [
    {"batch_size": 3},
    {"batch_size": 3, "shuffle": True, "generator": 4},
    {"batch_size": 4, "shuffle": True, "generator": 4, "drop_last": True},
    {"batch_size": None},
    {"batch_size": 2, "collate_fn": lambda samples: [s[1] for s in samples]},
], ids=["sequential", "shuffled", "drop_last", "unbatched", "collate_fn"])
def test_same_batches_with_0_and_2_workers(kwargs):
    runs = []
    for workers in (0, 2):
        loader = DataLoader(Squares(), num_workers=workers, **kwargs)
        runs.append([_epoch(loader) for _ in range(2)])  # two epochs: generators advance alike
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == len(DataLoader(Squares(), **kwargs))


def test_tensor_dataset_fast_path_with_workers_and_global_seed():
    ds = TensorDataset(ac.arange(20.0).reshape(10, 2), ac.arange(10))
    runs = []
    for workers in (0, 3):
        ac.manual_seed(7)
        loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                            prefetch_factor=None if workers == 0 else 1)
        runs.append([_epoch(loader) for _ in range(2)])
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[0][1]  # a new order each epoch


def test_prefetch_factor_and_in_order_do_not_change_the_batches():
    ref = _epoch(DataLoader(Squares(13), batch_size=2, shuffle=True, generator=1))
    for pf in (1, 4):
        got = _epoch(DataLoader(Squares(13), batch_size=2, shuffle=True, generator=1,
                                num_workers=2, prefetch_factor=pf))
        assert got == ref
    unordered = _epoch(DataLoader(Squares(13), batch_size=2, shuffle=True, generator=1,
                                  num_workers=2, in_order=False))
    assert sorted(map(str, unordered)) == sorted(map(str, ref))


# ----- worker info, seeds, init functions -----------------------------------------------


def test_get_worker_info_and_round_robin_assignment():
    assert get_worker_info() is None  # the main process
    batches = list(DataLoader(WhoAmI(), batch_size=2, num_workers=2, generator=3))
    workers = [b["worker"]._data.tolist() for b in batches]
    assert workers == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert all(b["num_workers"]._data.tolist() == [2, 2] for b in batches)
    seeds = {w[0]: b["seed"]._data.tolist()[0] for w, b in zip(workers, batches)}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker_id, as PyTorch
    pids = {w[0]: b["pid"]._data.tolist()[0] for w, b in zip(workers, batches)}
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()


def test_worker_info_is_read_only():
    def init(worker_id):
        info = get_worker_info()
        try:
            info.id = 5
        except RuntimeError as e:
            assert "Cannot assign attributes to WorkerInfo objects" in str(e)
        else:
            raise AssertionError("WorkerInfo accepted an assignment")

    assert _epoch(DataLoader(Squares(4), batch_size=2, num_workers=1, worker_init_fn=init))


def test_workers_are_seeded_differently_and_repeatably():
    def draws(seed):
        loader = DataLoader(WhoAmI(), batch_size=4, num_workers=2, generator=seed)
        return [{k: b[k]._data.tolist() for k in ("worker", "py", "np", "ac")} for b in loader]

    a, b, c = draws(11), draws(11), draws(12)
    assert a == b  # the same loader seed: the same random numbers in the workers
    assert a != c
    for key in ("py", "np", "ac"):  # the two workers' streams differ
        assert a[0][key] != a[1][key]


def test_non_persistent_workers_get_a_new_base_seed_each_epoch():
    loader = DataLoader(WhoAmI(), batch_size=8, num_workers=1, generator=0, shuffle=True)
    first, second = [next(iter(loader))["seed"]._data.tolist()[0] for _ in range(2)]
    assert first != second


def test_worker_init_fn_runs_in_each_worker_before_loading():
    def init(worker_id):
        get_worker_info().dataset.offset = 100 * (worker_id + 1)

    got = _epoch(DataLoader(Squares(4), batch_size=1, num_workers=2, worker_init_fn=init))
    firsts = [b[0][1][0][0] for b in got]
    assert firsts == [100.0, 201.0, 102.0, 203.0]  # batch i comes from worker i % 2
    assert Squares(4)[0][0]._data.tolist()[0] == 0.0  # the main process's copy is untouched


def test_persistent_workers_survive_epochs_and_an_early_break():
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=2, persistent_workers=True)
    pids = []
    for _ in range(2):
        pids.append({int(p) for b in loader for p in b["pid"]._data})
    for _ in loader:  # leave this epoch early: its pending batches must not leak
        break
    pids.append({int(p) for b in loader for p in b["pid"]._data})
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
    assert [int(i) for b in loader for i in b["index"]._data] == list(range(8))

    fresh = DataLoader(WhoAmI(), batch_size=8, num_workers=1)
    assert next(iter(fresh))["pid"]._data[0] != next(iter(fresh))["pid"]._data[0]


def test_spawn_context_works_with_a_picklable_dataset():
    ds = TensorDataset(ac.arange(6.0))
    got = _epoch(DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn"))
    assert got == _epoch(DataLoader(ds, batch_size=4))


# ----- failures -----------------------------------------------------------------------


def test_an_exception_in_a_worker_is_raised_with_its_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    assert next(iter(loader))._data.tolist() == [0, 1]  # the batches before it arrive
    with pytest.raises(ValueError) as info:
        list(loader)
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "bad sample 4" in msg and "Traceback" in msg


def test_an_exception_in_worker_init_fn_is_raised():
    def init(worker_id):
        raise KeyError("no config")

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process"):
        list(DataLoader(Squares(4), num_workers=1, worker_init_fn=init))


def test_a_dead_worker_raises_instead_of_hanging():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           "unexpectedly"):
        list(DataLoader(Dying(), batch_size=1, num_workers=2))


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.3))


# ----- arguments ------------------------------------------------------------------------


def test_pin_memory_is_accepted_as_a_no_op():
    ref = _epoch(DataLoader(Squares(5), batch_size=2))
    assert _epoch(DataLoader(Squares(5), batch_size=2, pin_memory=True,
                             pin_memory_device="cpu")) == ref
    assert _epoch(DataLoader(Squares(5), batch_size=2, pin_memory=True, num_workers=1)) == ref


@pytest.mark.parametrize("kwargs, message", [
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in "
                             "multiprocessing"),
    ({"num_workers": 1, "prefetch_factor": -1}, "prefetch_factor option should be "
                                                "non-negative"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"multiprocessing_context": "fork"}, "multiprocessing_context can only be used with "
                                          "multi-process loading"),
])
def test_worker_argument_errors_as_torch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Squares(4), **kwargs)


def test_loader_attributes():
    loader = DataLoader(Squares(4), num_workers=2, persistent_workers=True, timeout=5)
    assert (loader.num_workers, loader.prefetch_factor, loader.timeout) == (2, 2, 5)
    assert loader.persistent_workers and loader.in_order
    assert DataLoader(Squares(4)).prefetch_factor is None


# ----- lazy samplers --------------------------------------------------------------------


def test_random_sampler_with_huge_num_samples_is_lazy():
    ds = list(range(10))
    s = RandomSampler(ds, replacement=True, num_samples=10**12, generator=0)
    assert len(s) == 10**12
    tracemalloc.start()
    try:
        it = iter(s)
        first = [next(it) for _ in range(10_000)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # a few chunks, not 8 TB
    assert set(first) == set(ds)
    batches = iter(BatchSampler(s, batch_size=4, drop_last=False))
    assert all(len(next(batches)) == 4 for _ in range(3))
    loader = DataLoader(ac.utils.data.TensorDataset(ac.arange(10)), batch_size=5,
                        sampler=RandomSampler(ds, replacement=True, num_samples=10**12))
    assert len(loader) == 2 * 10**11
    assert next(iter(loader))[0].shape == (5,)


def test_random_sampler_chains_permutations_lazily():
    ds = list(range(7))
    order = list(RandomSampler(ds, num_samples=23, generator=2))
    assert len(order) == 23
    for start in (0, 7, 14):
        assert sorted(order[start:start + 7]) == ds  # whole permutations, chained
    assert set(order[21:]) <= set(ds) and len(set(order[21:])) == 2
    # The same numbers as drawing the permutations eagerly from the same generator.
    g = np.random.default_rng(2)
    assert order == np.concatenate([g.permutation(7) for _ in range(4)])[:23].tolist()


def test_random_sampler_without_generator_follows_manual_seed():
    ds = list(range(50))
    ac.manual_seed(3)
    a = list(RandomSampler(ds, replacement=True, num_samples=9000))
    ac.manual_seed(3)
    it = iter(RandomSampler(ds, replacement=True, num_samples=9000))
    ac.rand(5)  # other draws from the global generator mid-epoch change nothing
    assert list(it) == a
