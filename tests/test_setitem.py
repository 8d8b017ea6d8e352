"""``t[index] = value`` against PyTorch: values, gradients, errors, version counting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ac

INDEXES = [
    1, -1, slice(1, 3), (slice(None), 2), (0, slice(None, None, 2)), (Ellipsis, 1),
    [0, 2], (1, [0, 3]), ([0, 2], [1, 3]), range(2), (range(1, 3), 0),
    np.array([True, False, True]), "mask", "inttensor",
]


def _index(L, spec, x):
    if isinstance(spec, str) and spec == "mask":
        return x > 0
    if isinstance(spec, str) and spec == "inttensor":
        return L.tensor([2, 0])
    if isinstance(spec, np.ndarray):
        return L.tensor(spec)
    return spec


@pytest.mark.parametrize("spec", INDEXES, ids=repr)
@pytest.mark.parametrize("value_kind", ["number", "tensor"])
def test_values_and_gradients_match_torch(spec, value_kind, rng):
    base = rng.standard_normal((3, 4))
    results = {}
    for L in (ac, torch):
        x = L.tensor(base, requires_grad=True)
        y = x * 2
        idx = _index(L, spec, y.detach())
        target_shape = tuple(torch.tensor(base)[_index(torch, spec, torch.tensor(base))].shape)
        if value_kind == "number":
            y[idx] = 0.75
            v = None
        else:
            v = L.tensor(np.full(target_shape[-1:] or (), 1.5), requires_grad=True)
            y[idx] = v * 3
        (y * L.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        results[L.__name__] = (y.detach().numpy(), x.grad.numpy(),
                               None if v is None else v.grad.numpy())
    ours, theirs = results["autograd_core"], results["torch"]
    for o, t in zip(ours, theirs):
        if t is None:
            assert o is None
        else:
            np.testing.assert_allclose(o, t, rtol=1e-12)


def test_no_grad_writes_go_straight_into_memory_and_count_a_version():
    x = ac.zeros(4, 5)
    view = x[1]
    v0 = view._version
    for i in range(5):
        x[1, i] = i
    np.testing.assert_array_equal(view.numpy(), np.arange(5.0))
    assert view._version == v0 + 5


def test_writing_into_a_saved_value_raises_at_backward():
    for L in (ac, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        z = y.exp()  # exp saves its output ... and y*y saves y
        w = (y * y).sum() + z.sum()
        y[0] = 5.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            w.backward()


def test_errors_as_torch():
    for L in (ac, torch):
        leaf = L.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            leaf[0] = 1.0
        t = L.zeros(3, 4)
        with pytest.raises(RuntimeError):
            t[0] = L.ones(3)
        with pytest.raises(IndexError):
            t[5] = 1.0
    with ac.no_grad():
        leaf = ac.zeros(3, requires_grad=True)
        leaf[0] = 1.0  # allowed under no_grad, as in torch
    assert leaf.tolist() == [1.0, 0.0, 0.0]


def test_int_tensor_takes_floats_as_torch():
    for L in (ac, torch):
        t = L.zeros(3, dtype=L.int64)
        t[1] = 2.7
        t[0:1] = L.tensor([1.5])  # a basic index copies with a cast
        with pytest.raises(RuntimeError, match="dtypes match"):
            t[[0, 2]] = L.tensor([1.5, -1.5])
        assert t.tolist() == [1, 2, 0]


def test_format_spec():
    assert format(ac.tensor(3.14159), ".3f") == format(torch.tensor(3.14159), ".3f")
    assert f"{ac.tensor([2.5]):.1f}" == "2.5"
    with pytest.raises(TypeError):
        format(ac.tensor([1.0, 2.0]), ".2f")
