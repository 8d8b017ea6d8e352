"""load_digits: scikit-learn's 8x8 digits as tensors with a seeded stratified split."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits as sk_load_digits

import autograd_core as ag
from autograd_core.datasets import digits as digits_mod
from autograd_core.datasets import load_digits, stratified_split
from autograd_core.utils.data import DataLoader, TensorDataset


@pytest.fixture(scope="module")
def sk():
    bunch = sk_load_digits()
    return bunch.images, bunch.target


@pytest.mark.parametrize("split,n", [("train", 1797 - 359), ("test", 359), ("all", 1797)])
def test_shapes_dtypes_and_range(split, n):
    x, y = load_digits(split)
    assert isinstance(x, ag.Tensor) and isinstance(y, ag.Tensor)
    assert x.shape == (n, 1, 8, 8) and y.shape == (n,)
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x._data.min() == 0.0 and x._data.max() == 1.0
    assert set(np.unique(y._data)) == set(range(10))
    assert not x.requires_grad


def test_values_are_sklearns_scaled_by_16(sk):
    images, target = sk
    x, y = load_digits("all")
    np.testing.assert_array_equal(x._data[:, 0], (images / 16).astype(np.float32))
    np.testing.assert_array_equal(y._data, target)


@pytest.mark.parametrize("fraction", [0.2, 0.25, 0.1, 0.5])
def test_split_is_a_stratified_partition(sk, fraction):
    _, target = sk
    train_idx, test_idx = stratified_split(target, fraction, seed=3)
    assert len(test_idx) == round(fraction * len(target))
    assert len(train_idx) + len(test_idx) == len(target)
    assert np.intersect1d(train_idx, test_idx).size == 0
    np.testing.assert_array_equal(np.union1d(train_idx, test_idx), np.arange(len(target)))
    per_class = np.bincount(target[test_idx], minlength=10)
    expected = np.bincount(target, minlength=10) * fraction
    assert np.all(np.abs(per_class - expected) < 1)  # each class in proportion, within one
    x_all, y_all = load_digits("all")
    x_test, y_test = load_digits("test", test_fraction=fraction, seed=3)
    x_train, y_train = load_digits("train", test_fraction=fraction, seed=3)
    np.testing.assert_array_equal(x_test._data, x_all._data[test_idx])
    np.testing.assert_array_equal(y_train._data, y_all._data[train_idx])
    np.testing.assert_array_equal(x_train._data, x_all._data[train_idx])


def test_split_is_deterministic_and_independent_of_global_seed():
    ag.manual_seed(1)
    a = load_digits("test", seed=0)[1]._data
    ag.manual_seed(2)
    np.random.seed(5)
    b = load_digits("test", seed=0)[1]._data
    x_a, x_b = load_digits("test", seed=0)[0]._data, load_digits("test", seed=0)[0]._data
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(x_a, x_b)
    other = load_digits("test", seed=1)[0]._data
    assert other.shape == x_a.shape and not np.array_equal(other, x_a)


def test_each_call_returns_fresh_arrays():
    x, _ = load_digits("train")
    x._data[...] = 7.0
    assert load_digits("train")[0]._data.max() == 1.0


def test_feeds_the_data_loader():
    x, y = load_digits("train")
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=0)
    assert len(loader) == -(-len(y) // 64)
    xb, yb = next(iter(loader))
    assert xb.shape == (64, 1, 8, 8) and yb.dtype == np.int64


def test_bad_arguments():
    with pytest.raises(ValueError, match="split must be 'train', 'test' or 'all', got 'val'"):
        load_digits("val")
    for frac in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
            load_digits("train", test_fraction=frac)


def test_missing_sklearn_gives_clear_error(monkeypatch):
    digits_mod._raw.cache_clear()
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    try:
        with pytest.raises(ImportError, match="load_digits needs scikit-learn"):
            load_digits()
    finally:
        digits_mod._raw.cache_clear()
