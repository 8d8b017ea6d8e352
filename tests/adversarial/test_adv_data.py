"""Adversarial cases on data loading, each against torch 2.13: default_collate on mixed
Python and NumPy numbers (the batch's dtype comes from all of them), ragged and foreign
samples, and DataLoader / dataset arguments out of range."""

from __future__ import annotations

import numpy as np
import pytest
from _oracle import refuses, same

COLLATE = {
    "int then float": [1, 2.5, 3],
    "float then int and bool": [1.5, 2, True],
    "bool then int": [True, 2],
    "bools": [True, False],
    "bool then float": [True, 2.5],
    "ints": [1, 2, 3],
    "floats": [1.5, float("nan"), float("inf")],
    "int beyond int64": [2**62, 2**63],
    "huge float int": [1.5, 2**70],
    "int then str": [1, "a"],
    "float then str": [1.0, "a"],
    "int then None": [1, None],
    "np.int32 then float": [np.int32(1), 2.5],
    "np.float32 then int": [np.float32(1.5), 2],
    "int then np.float64": [1, np.float64(2.5)],
    "np.int64 then np.float32": [np.int64(1), np.float32(2)],
    "np.uint8 then np.int8": [np.uint8(3), np.int8(-1)],
    "np.int32 pair": [np.int32(1), np.int32(2)],
    "np.bool_ pair": [np.bool_(True), np.bool_(False)],
    "tuples mixed": [(1, 2.5), (2, 3)],
    "dicts mixed": [{"a": 1}, {"a": 2.5}],
    "dicts different keys": [{"a": 1}, {"b": 2}],
    "ragged lists": [[1, 2], [3]],
    "ragged arrays": [np.array([1, 2]), np.array([1, 2, 3])],
    "string arrays": [np.array(["a"]), np.array(["b"])],
    "object arrays": [np.array([1, None]), np.array([2, 3])],
    "strings": ["a", "b"],
    "nested": [{"x": [1, 2.0], "y": (True, 3)}, {"x": [3, 4], "y": (False, 5)}],
}


@pytest.mark.parametrize("name", COLLATE)
def test_default_collate(name):
    same(lambda L: L.data.default_collate(COLLATE[name]), f"collate {name}")


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int64", "float32"),
                                    ("float32", "float32")], ids=str)
def test_collate_tensors_of_different_dtypes(dtypes):
    same(lambda L: L.data.default_collate([L.t.ones(2, dtype=L.dt(d)) for d in dtypes]),
         f"collate tensors {dtypes}")


def test_collate_tensors_of_different_shapes():
    same(lambda L: L.data.default_collate([L.t.ones(2), L.t.ones(3)]), "collate ragged tensors")


def _ds(L, n=5):
    return L.data.TensorDataset(L.t.arange(float(n)), L.t.arange(n))


LOADER = {
    "batch_size 0": lambda L: list(L.data.DataLoader(_ds(L), batch_size=0)),
    "batch_size -1": lambda L: list(L.data.DataLoader(_ds(L), batch_size=-1)),
    "batch_size 2.5": lambda L: list(L.data.DataLoader(_ds(L), batch_size=2.5)),
    "drop_last": lambda L: list(L.data.DataLoader(_ds(L), batch_size=2, drop_last=True)),
    "batch_size None": lambda L: list(L.data.DataLoader(_ds(L), batch_size=None)),
    "num_workers -1": lambda L: L.data.DataLoader(_ds(L), num_workers=-1),
    "sampler and shuffle": lambda L: L.data.DataLoader(
        _ds(L), sampler=L.data.SequentialSampler(range(5)), shuffle=True),
    "batch_sampler and batch_size": lambda L: L.data.DataLoader(
        _ds(L), batch_sampler=L.data.BatchSampler(range(5), 2, False), batch_size=3),
    "len with drop_last": lambda L: len(L.data.DataLoader(_ds(L, 7), batch_size=3,
                                                          drop_last=True)),
    "TensorDataset lengths": lambda L: L.data.TensorDataset(L.t.ones(3), L.t.ones(4)),
    "TensorDataset index 9": lambda L: _ds(L)[9],
    "random_split too long": lambda L: L.data.random_split(_ds(L), [3, 3]),
    "Subset out of range": lambda L: L.data.Subset(_ds(L), [7])[0],
    "BatchSampler size 0": lambda L: L.data.BatchSampler(range(5), 0, False),
    "RandomSampler num_samples 0": lambda L: L.data.RandomSampler(range(5), num_samples=0),
    "ConcatDataset empty": lambda L: L.data.ConcatDataset([]),
    "ConcatDataset index": lambda L: L.data.ConcatDataset([_ds(L, 2), _ds(L, 3)])[4],
}


@pytest.mark.parametrize("name", LOADER)
def test_loader_arguments(name):
    same(LOADER[name], name)


def test_random_split_refuses_a_negative_length():
    # torch 2.13 accepts [6, -1] for 5 samples and returns a subset of length -1; ours
    # refuses it.
    refuses(lambda L: L.data.random_split(_ds(L), [6, -1]), "random_split [6, -1]",
            ValueError, "non-negative")
