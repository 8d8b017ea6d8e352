"""Every op against PyTorch 2.13: values, dtypes and gradients, float32 and float64.

The cases (broadcast shape pairs, keepdim variants, negative dims, repeated indices,
mixed basic and advanced indexing, ...) are listed once in ``_helpers.OP_CASES``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import OP_CASES, TORCH, assert_close, compare_with_torch, pair

import autograd_core as ac

DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", OP_CASES, ids=lambda c: c.name)
def test_op_matches_torch(case, dtype, rng):
    compare_with_torch(case.fn, case.arrays(rng, dtype), rng, grad=case.differentiable)


# ----- numerically stable for large inputs ----------------------------------------------

_STABLE = {
    "logsumexp": lambda L, a: a.logsumexp(dim=-1),
    "softmax": lambda L, a: a.softmax(dim=-1),
    "log_softmax": lambda L, a: a.log_softmax(dim=-1),
    "logsumexp-dim0-keepdim": lambda L, a: a.logsumexp(dim=0, keepdim=True),
    "softmax-dim0": lambda L, a: L.softmax(a, 0),
    "log_softmax-dim0": lambda L, a: L.log_softmax(a, 0),
    "sigmoid": lambda L, a: a.sigmoid(),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(_STABLE))
def test_stable_for_large_inputs(name, dtype, rng):
    # Values near +-1000: exp overflows (and underflows) in both dtypes without the shift.
    x = np.array([[1000.0, 1001.0, 999.0, 1000.5],
                  [-1000.0, -1002.0, -999.0, -1000.0],
                  [1000.0, -1000.0, 0.0, 3.0]], dtype=dtype)
    fn = _STABLE[name]
    out = fn(ac, ac.tensor(x))
    assert np.all(np.isfinite(out._data)), f"{name} overflowed: {out}"
    # Near 1000 a float32 has an absolute spacing of 6e-5, so torch's own rounding of
    # exp(x - logsumexp) differs from an exact computation by ~1e-4 relative.
    tol = {"rtol": 2e-4, "atol": 1e-6} if dtype == np.float32 else None
    compare_with_torch(fn, [x], rng, tol=tol)


# ----- ties and max/min specifics --------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "name, fn",
    [
        ("max-whole", lambda L, a: a.max()),
        ("min-whole", lambda L, a: a.min()),
        ("amax-dim1", lambda L, a: a.amax(dim=1)),
        ("amin-dim0", lambda L, a: a.amin(dim=0)),
        ("maximum-self", lambda L, a: L.maximum(a, a * 1.0)),
        ("minimum-self", lambda L, a: L.minimum(a * 1.0, a)),
    ],
)
def test_ties_share_gradient_like_torch(name, fn, dtype, rng):
    x = np.array([[3.0, 1.0, 3.0], [-1.0, -1.0, 0.5]], dtype=dtype)
    compare_with_torch(fn, [x], rng)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_max_dim_returns_values_and_indices(dtype, rng):
    x = rng.standard_normal((3, 4, 5)).astype(dtype)
    a, ta = pair(x)
    res, tres = a.max(dim=1), ta.max(dim=1)
    values, indices = res
    assert res.values is values and res.indices is indices
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert_close(values, tres.values)
    assert_close(indices, tres.indices)
    # The gradient reaches exactly the argmax of each row.
    values.sum().backward()
    tres.values.sum().backward()
    assert_close(a.grad, ta.grad)
    assert a.grad._data.sum() == pytest.approx(3 * 5)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_getitem_repeated_indices_accumulate(dtype):
    x = np.arange(5, dtype=dtype)
    a, ta = pair(x)
    a[[1, 1, 1, 4]].sum().backward()
    ta[[1, 1, 1, 4]].sum().backward()
    assert_close(a.grad, ta.grad)
    assert a.grad._data.tolist() == [0.0, 3.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_gather_repeated_indices_accumulate(dtype):
    x = np.arange(6, dtype=dtype).reshape(2, 3)
    idx = np.array([[2, 2, 2, 0], [1, 1, 0, 0]])
    a, ta = pair(x)
    a.gather(1, ac.tensor(idx)).sum().backward()
    ta.gather(1, torch.tensor(idx)).sum().backward()
    assert_close(a.grad, ta.grad)
    assert a.grad._data.tolist() == [[1.0, 0.0, 3.0], [2.0, 2.0, 0.0]]


def test_torch_namespace_covers_every_case():
    # Guard against a case silently using an attribute only one library has.
    for case in OP_CASES:
        arrays = case.arrays(np.random.default_rng(0), np.float64)
        case.fn(TORCH, *[torch.tensor(a) for a in arrays])
