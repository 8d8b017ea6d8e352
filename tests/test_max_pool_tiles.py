"""max_pool2d's no-copy path for windows that do not overlap (nn/max_pool_tiles.py)
against torch: values and gradients, ties, NaN inputs, infinite deltas, batch-last and
NCHW inputs, windows that leave pixels uncovered, and inference without a graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import autograd_core as ag
import nn.functional as F
from nn.max_pool_tiles import PickWindows

# (shape, kernel, stride): tiled, uncovered edges, strides past the kernel, rectangles.
CASES = [((2, 3, 8, 8), 2, None), ((2, 3, 9, 7), 2, None), ((2, 2, 8, 9), (2, 3), None),
         ((1, 4, 10, 10), 2, 3), ((3, 2, 6, 6), 3, None), ((2, 2, 5, 5), 1, 2)]


def _input(shape, dtype, batch_last, rng):
    # Values on a coarse grid, so that windows hold ties (the first one wins).
    a = rng.integers(-3, 4, shape).astype(dtype)
    if batch_last:  # how a convolution's output is laid out in memory
        a = np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    return a


@pytest.mark.parametrize("batch_last", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,kernel,stride", CASES)
def test_matches_torch(shape, kernel, stride, dtype, batch_last):
    rng = np.random.default_rng(3)
    a = _input(shape, dtype, batch_last, rng)
    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = F.max_pool2d(x, kernel, stride), TF.max_pool2d(tx, kernel, stride)
    assert isinstance(out.grad_fn, PickWindows)  # the path under test was taken
    np.testing.assert_array_equal(out._data, tout.detach().numpy())
    g = rng.standard_normal(tout.shape).astype(dtype)
    if not batch_last:
        g[0, 0, 0, 0] = np.inf  # a non-finite delta stays on its pixel, zeros elsewhere
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad._data, tx.grad.numpy())
    with ag.no_grad():
        inferred = F.max_pool2d(x, kernel, stride)
    np.testing.assert_array_equal(inferred._data, tout.detach().numpy())


def test_nan_input_takes_the_general_path_and_matches_torch():
    a = np.arange(2 * 2 * 6 * 6, dtype=np.float64).reshape(2, 2, 6, 6)
    a[0, 1, 2, 3] = np.nan
    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = F.max_pool2d(x, 2), TF.max_pool2d(tx, 2)
    assert not isinstance(out.grad_fn, PickWindows)
    np.testing.assert_array_equal(out._data, tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(x.grad._data, tx.grad.numpy())
    with ag.no_grad():
        np.testing.assert_array_equal(F.max_pool2d(x, 2)._data, tout.detach().numpy())


def test_second_derivative_matches_torch():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 6, 7))
    w = rng.standard_normal((2, 3, 3, 3))
    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (gx,) = ag.grad((F.max_pool2d(x * x, 2) * ag.tensor(w)).sum(), [x], create_graph=True)
    (tgx,) = torch.autograd.grad((TF.max_pool2d(tx * tx, 2) * torch.tensor(w)).sum(), [tx],
                                 create_graph=True)
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("batch_last", [True, False])
@pytest.mark.parametrize("shape,kernel,stride", CASES)
def test_agrees_with_the_general_im2col_path(shape, kernel, stride, batch_last):
    """The no-copy path is a speed path of the composition (im2col, max over each
    column, gather/scatter): the same values and the same gradient, bit for bit, ties
    included. ``return_indices=True`` always takes the general path."""
    rng = np.random.default_rng(7)
    a = _input(shape, np.float64, batch_last, rng)
    x1 = ag.tensor(a, requires_grad=True)
    x2 = ag.tensor(a, requires_grad=True)
    fast = F.max_pool2d(x1, kernel, stride)
    general, _ = F.max_pool2d(x2, kernel, stride, return_indices=True)
    assert isinstance(fast.grad_fn, PickWindows)
    assert not isinstance(general.grad_fn, PickWindows)
    np.testing.assert_array_equal(fast.detach().numpy(), general.detach().numpy())
    w = rng.standard_normal(fast.shape)
    (fast * ag.tensor(w)).sum().backward()
    (general * ag.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x1.grad.numpy(), x2.grad.numpy())
