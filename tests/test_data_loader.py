"""The data layer (autograd_core.utils.data) against torch.utils.data as the oracle."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import autograd_core as ag
from autograd_core.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)

Pair = namedtuple("Pair", "x y")


def make_data(n: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)).astype(np.float32), np.arange(n, dtype=np.int64) % 4


def as_np(t):
    return t._data if isinstance(t, ag.Tensor) else t.numpy()


def same_batch(ours, theirs) -> None:
    """Same container structure, dtypes and values (torch dtypes named as NumPy's)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Tensor)
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(ours._data, theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for k in theirs:
            same_batch(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same_batch(a, b)
    else:
        assert ours == theirs


# ----- batching, against torch's DataLoader -----------------------------------------------
@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 4, False), (10, 4, True), (8, 4, True),
                                                    (3, 5, False), (3, 5, True), (7, 1, False)])
def test_sequential_batches_match_torch(n, batch_size, drop_last):
    x, y = make_data(n)
    ours = DataLoader(TensorDataset(ag.tensor(x), ag.tensor(y)), batch_size=batch_size,
                      drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                            batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want) == len(ours)
    for a, b in zip(got, want):
        same_batch(a, b)


def test_len_is_ceil_or_floor():
    ds = TensorDataset(ag.zeros(10, 2))
    assert len(DataLoader(ds, batch_size=3)) == 4
    assert len(DataLoader(ds, batch_size=3, drop_last=True)) == 3
    assert len(DataLoader(ds, batch_size=None)) == 10
    assert [b[0].shape[0] for b in DataLoader(ds, batch_size=3)] == [3, 3, 3, 1]
    assert [b[0].shape[0] for b in DataLoader(ds, batch_size=3, drop_last=True)] == [3, 3, 3]


def test_fast_path_equals_per_sample_collate():
    x, y = make_data(11)
    ds = TensorDataset(ag.tensor(x), ag.tensor(y))
    assert ds._batch_fetcher() is not None
    for sub in (ds, Subset(ds, [10, 3, 5, 0, 7, 2, 1])):
        fast = list(DataLoader(sub, batch_size=3, shuffle=True, generator=5))
        slow = list(DataLoader(sub, batch_size=3, shuffle=True, generator=5,
                               collate_fn=default_collate))
        assert len(fast) == len(slow)
        for a, b in zip(fast, slow):
            assert isinstance(a, list) and isinstance(b, list)
            for ta, tb in zip(a, b):
                assert ta.dtype == tb.dtype and ta.shape == tb.shape
                np.testing.assert_array_equal(ta._data, tb._data)


def test_subclass_overriding_getitem_is_respected():
    class Plus100(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x, y + 100

    ds = Plus100(ag.zeros(5, 2), ag.arange(5))
    assert ds._batch_fetcher() is None
    (_, y), *_ = DataLoader(ds, batch_size=5)
    assert y.tolist() == [100, 101, 102, 103, 104]
    assert Subset(ds, [0, 1])._batch_fetcher() is None


def test_batches_carry_gradient_to_dataset_tensor():
    x = ag.randn(7, 2, requires_grad=True)
    xt = torch.tensor(x._data, requires_grad=True)
    for (xb,) in DataLoader(TensorDataset(x), batch_size=3, shuffle=True, generator=0):
        (xb * xb).sum().backward()
    for (xb,) in tud.DataLoader(tud.TensorDataset(xt), batch_size=3, shuffle=True):
        (xb * xb).sum().backward()
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-6)


def test_batch_size_none_yields_converted_samples():
    x, y = make_data(4)
    ours = list(DataLoader(TensorDataset(ag.tensor(x), ag.tensor(y)), batch_size=None))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                 batch_size=None))
    assert len(ours) == len(theirs) == 4
    for a, b in zip(ours, theirs):
        same_batch(a, b)  # one unbatched sample each; the tuple becomes a list in both


class ListDataset(Dataset):
    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


# ----- shuffling ------------------------------------------------------------------------
def epoch_order(loader) -> list[int]:
    return [int(v) for batch in loader for v in batch[0]._data]


def test_shuffle_visits_every_sample_once_per_epoch():
    ds = TensorDataset(ag.arange(23))
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=1)
    first, second = epoch_order(loader), epoch_order(loader)
    assert sorted(first) == sorted(second) == list(range(23))
    assert first != second  # a new order each epoch
    assert first != list(range(23))


def test_shuffle_with_int_seed_repeats_the_run():
    ds = TensorDataset(ag.arange(50))
    a = DataLoader(ds, batch_size=8, shuffle=True, generator=7)
    b = DataLoader(ds, batch_size=8, shuffle=True, generator=7)
    c = DataLoader(ds, batch_size=8, shuffle=True, generator=8)
    assert [epoch_order(a) for _ in range(3)] == [epoch_order(b) for _ in range(3)]
    assert epoch_order(DataLoader(ds, batch_size=8, shuffle=True, generator=7)) != epoch_order(c)


def test_shuffle_with_numpy_generator_advances_it():
    ds = TensorDataset(ag.arange(30))
    gen = np.random.default_rng(3)
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=gen)
    assert loader.generator is gen
    orders = [epoch_order(loader) for _ in range(2)]
    gen2 = np.random.default_rng(3)
    assert orders == [gen2.permutation(30).tolist() for _ in range(2)]


def test_shuffle_default_follows_manual_seed():
    ds = TensorDataset(ag.arange(40))
    loader = DataLoader(ds, batch_size=6, shuffle=True)
    ag.manual_seed(123)
    first = [epoch_order(loader) for _ in range(2)]
    ag.manual_seed(123)
    assert [epoch_order(loader) for _ in range(2)] == first
    ag.manual_seed(124)
    assert epoch_order(loader) != first[0]


def test_random_sampler_replacement_and_num_samples():
    data = list(range(5))
    s = RandomSampler(data, num_samples=12, generator=0)
    order = list(s)
    assert len(s) == len(order) == 12
    assert sorted(order[:5]) == sorted(order[5:10]) == data  # whole permutations chained
    r = list(RandomSampler(data, replacement=True, num_samples=50, generator=0))
    assert len(r) == 50 and set(r) <= set(data) and len(set(r)) < 50
    sub = list(SubsetRandomSampler([10, 20, 30], generator=0))
    assert sorted(sub) == [10, 20, 30]
    assert list(SequentialSampler(data)) == data


def test_custom_sampler_and_batch_sampler():
    ds = ListDataset([10, 11, 12, 13, 14])
    got = [b.tolist() for b in DataLoader(ds, batch_size=2, sampler=[4, 0, 2])]
    assert got == [[14, 10], [12]]
    got = [b.tolist() for b in DataLoader(ds, batch_sampler=[[1, 3], [0]])]
    assert got == [[11, 13], [10]]
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]


# ----- collate, against torch's default_collate -------------------------------------------
COLLATE_CASES = {
    "ints": [1, 2, 3],
    "floats": [1.5, 2.0],
    "bools": [True, False],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "numpy int32": [np.int32(4), np.int32(5)],
    "arrays": [np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)],
    "uint8 arrays": [np.arange(4, dtype=np.uint8), np.arange(4, dtype=np.uint8)],
    "tuples": [(np.ones(2, np.float32), 3), (np.zeros(2, np.float32), 4)],
    "lists": [[1.0, 2], [3.0, 4]],
    "dicts": [{"img": np.ones(2, np.float64), "label": 1}, {"img": np.zeros(2), "label": 0}],
    "namedtuples": [Pair(np.ones(2, np.float32), 1), Pair(np.zeros(2, np.float32), 2)],
    "strings": [("a", 1), ("b", 2)],
}


@pytest.mark.parametrize("name", list(COLLATE_CASES))
def test_default_collate_matches_torch(name):
    batch = COLLATE_CASES[name]
    same_batch(default_collate(batch), tud.default_collate(batch))


def test_default_collate_of_tensors_stacks():
    a, b = ag.randn(2, 3), ag.randn(2, 3)
    out = default_collate([a, b])
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out._data, np.stack([a._data, b._data]))


def test_default_convert_matches_torch():
    sample = (np.arange(3), 4, [np.zeros(2)])
    same_batch(default_convert(sample), tud.default_convert(sample))


def test_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([np.zeros(2), np.zeros(3)])


# ----- datasets ---------------------------------------------------------------------------
def test_tensor_dataset_indexing():
    x, y = make_data(6)
    ds = TensorDataset(ag.tensor(x), y)  # an ndarray is accepted too
    assert len(ds) == 6
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi._data, x[2])
    assert yi.item() == y[2]


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"Size mismatch.*sizes \[10, 9\].*\[10, 3\], \[9\]"):
        TensorDataset(ag.zeros(10, 3), ag.zeros(9))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="tensor 1 is 0-d"):
        TensorDataset(ag.zeros(3), ag.tensor(1.0))
    with pytest.raises(TypeError, match="argument 0 is list"):
        TensorDataset([1, 2, 3])
    with pytest.raises(IndexError, match="out of bounds"):
        TensorDataset(ag.zeros(3))[5]
    with pytest.raises(IndexError, match="TensorDataset of length 3"):
        list(DataLoader(TensorDataset(ag.zeros(3)), batch_sampler=[[0, 7]]))


def test_subset_and_concat():
    ds = ListDataset(list("abcdef"))
    sub = Subset(ds, np.array([5, 1, 3]))
    assert len(sub) == 3 and [sub[i] for i in range(3)] == ["f", "b", "d"]
    cat = ds + ListDataset(["x", "y"])
    assert isinstance(cat, ConcatDataset)
    assert len(cat) == 8 and cat[6] == "x" and cat[-1] == "y" and cat[5] == "f"
    torch_cat = tud.ConcatDataset([list("abcdef"), ["x", "y"]])
    assert [cat[i] for i in range(8)] == [torch_cat[i] for i in range(8)]
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-9]


@pytest.mark.parametrize("n,lengths", [(10, [0.5, 0.5]), (10, [0.3, 0.3, 0.4]), (11, [0.2, 0.8]),
                                       (7, [0.1, 0.1, 0.8]), (3, [0.1, 0.1, 0.1, 0.7]),
                                       (9, [4, 5]), (1797, [0.8, 0.2])])
@pytest.mark.filterwarnings("ignore:Length of split")
def test_random_split_lengths_match_torch(n, lengths):
    ours = random_split(ListDataset(list(range(n))), lengths, generator=0)
    theirs = tud.random_split(list(range(n)), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    everything = sorted(i for s in ours for i in s.indices)
    assert everything == list(range(n))  # disjoint and complete


def test_random_split_warns_on_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index") as record:
        parts = random_split(ListDataset([1, 2, 3]), [0.1, 0.1, 0.1, 0.7], generator=0)
    assert [str(w.message)[:28] for w in record] == ["Length of split at index 1 i",
                                                     "Length of split at index 2 i"]
    assert [len(p) for p in parts] == [1, 0, 0, 2]


def test_random_split_is_seeded():
    ds = ListDataset(list(range(20)))
    a = [s.indices for s in random_split(ds, [15, 5], generator=4)]
    b = [s.indices for s in random_split(ds, [15, 5], generator=np.random.default_rng(4))]
    c = [s.indices for s in random_split(ds, [15, 5], generator=5)]
    assert a == b and a != c
    ag.manual_seed(9)
    d = [s.indices for s in random_split(ds, [15, 5])]
    ag.manual_seed(9)
    assert d == [s.indices for s in random_split(ds, [15, 5])]


def test_random_split_errors():
    ds = ListDataset(list(range(10)))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="non-negative integers or fractions"):
        random_split(ds, [12, -2])


# ----- argument checks ------------------------------------------------------------------
def test_dataloader_argument_errors():
    ds = TensorDataset(ag.zeros(4))
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, "
                                         "but got batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)  # (num_workers > 0: tests/test_data_workers.py)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        DataLoader(ds, shuffle=True, generator="seed")
    with pytest.raises(TypeError, match="map-style dataset"):
        DataLoader(iter(range(3)))
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        DataLoader(ds, drop_last=1)
