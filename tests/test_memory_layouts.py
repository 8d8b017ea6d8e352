"""Speed measures that change how arrays are laid out or computed keep the mathematics
and PyTorch's semantics: long contractions summed in blocks, gradients made in their
input's memory order, column-major Linear weights, batch-last convolution outputs, and
view() where the layout has no alias."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import autograd_core as ag
import nn
import optim
from autograd_core.ops.matmul import _product


@pytest.mark.parametrize("shape", [(3, 9000, 4), (8, 50176, 9), (2, 8192, 1), (5, 20000, 400)])
def test_blocked_product_equals_one_product(shape, rng):
    p, m, q = shape
    x = rng.standard_normal((p, m))
    y = rng.standard_normal((m, q))
    np.testing.assert_allclose(_product(x, y), x @ y, rtol=1e-11, atol=1e-11)
    # A ragged last block and transposed (non-contiguous) operands, as backward passes.
    np.testing.assert_allclose(_product(y.T, x.T), y.T @ x.T, rtol=1e-11, atol=1e-11)


def test_conv_like_weight_gradient_matches_torch(rng):
    """delta (8, 12000) @ cols^T: the blocked path, through the engine, against torch."""
    w = rng.standard_normal((8, 9))
    cols = rng.standard_normal((9, 12000))
    g = rng.standard_normal((8, 12000))
    wa = ag.tensor(w, requires_grad=True)
    ca = ag.tensor(cols, requires_grad=True)
    (wa @ ca).backward(ag.tensor(g))
    wt = torch.tensor(w, requires_grad=True)
    ct = torch.tensor(cols, requires_grad=True)
    (wt @ ct).backward(torch.tensor(g))
    np.testing.assert_allclose(wa.grad._data, wt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ca.grad._data, ct.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_gradient_comes_in_the_inputs_memory_order(rng):
    w_f = np.asfortranarray(rng.standard_normal((5, 7)))
    x = rng.standard_normal((4, 7))
    wa = ag.tensor(w_f, requires_grad=True)
    wa._data = w_f  # keep the column-major array itself
    (ag.tensor(x) @ wa.T).sum().backward()
    assert wa.grad._data.flags.f_contiguous
    np.testing.assert_allclose(wa.grad._data, np.ones((4, 5)).T @ x, rtol=1e-12)


def test_linear_weight_is_column_major_and_so_is_its_gradient(rng):
    lin = nn.Linear(6, 3)
    assert lin.weight._data.flags.f_contiguous and lin.weight.shape == (3, 6)
    ref = torch.nn.Linear(6, 3).double()
    lin_d = nn.Linear(6, 3, dtype=ag.float64)
    with torch.no_grad():
        lin_d.weight._data[...] = ref.weight.numpy()
        lin_d.bias._data[...] = ref.bias.numpy()
    x = rng.standard_normal((4, 6))
    lin_d(ag.tensor(x)).sum().backward()
    ref(torch.tensor(x)).sum().backward()
    assert lin_d.weight.grad._data.flags.f_contiguous
    np.testing.assert_allclose(lin_d.weight.grad._data, ref.weight.grad.numpy(), rtol=1e-12)
    # Copies keep the layout: a deep copy, and SGD's momentum buffer.
    assert copy.deepcopy(lin_d).weight._data.flags.f_contiguous
    opt = optim.SGD(lin_d.parameters(), lr=0.1, momentum=0.9)
    opt.step()
    assert opt.state[lin_d.weight]["momentum_buffer"].flags.f_contiguous


def test_view_of_column_major_weight_is_a_read_only_copy_that_refuses_writes():
    """torch's view always aliases; where this library's layout cannot (an F-ordered
    Linear weight flattened row by row), view() gives a read-only copy, and an in-place
    change through it raises rather than being silently lost."""
    lin = nn.Linear(3, 2)
    flat = lin.weight.view(-1)
    np.testing.assert_array_equal(flat._data, lin.weight._data.reshape(-1))
    assert not flat._data.flags.writeable
    with ag.no_grad(), pytest.raises(RuntimeError, match="result of view"):
        flat.add_(1.0)
    with pytest.raises(ValueError, match="read-only"):
        flat._data[0] = 5.0
    # reshape() may copy, as in torch, and that copy is an ordinary tensor.
    assert lin.weight.reshape(-1)._data.flags.writeable
    # A view that can alias still does, and writes through it reach the original.
    x = ag.ones(2, 3)
    with ag.no_grad():
        x.view(-1).add_(1.0)
        lin.weight.view(2, 3).mul_(0.0)
    np.testing.assert_array_equal(x._data, np.full((2, 3), 2.0, np.float32))
    np.testing.assert_array_equal(lin.weight._data, np.zeros((2, 3), np.float32))


def test_flattening_a_conv_output_with_view_aliases_and_trains_like_torch(rng):
    """x.view(N, -1) after conv/pool (batch-last memory) is a true view, and the
    gradients through it equal PyTorch's."""
    x = rng.standard_normal((4, 1, 6, 6))
    conv = nn.Conv2d(1, 3, 3, padding=1, dtype=ag.float64)
    ref = torch.nn.Conv2d(1, 3, 3, padding=1).double()
    with torch.no_grad():
        conv.weight._data[...] = ref.weight.numpy()
        conv.bias._data[...] = ref.bias.numpy()
    y = nn.functional.max_pool2d(conv(ag.tensor(x)), 2)
    flat = y.view(4, -1)
    assert np.shares_memory(flat._data, y._data)
    (flat * ag.tensor(np.arange(27.0))).sum().backward()
    yt = torch.nn.functional.max_pool2d(ref(torch.tensor(x)), 2)
    (yt.view(4, -1) * torch.arange(27.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(flat._data, yt.reshape(4, -1).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(conv.weight.grad._data, ref.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(conv.bias.grad._data, ref.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("layout", ["batch-last", "column-major", "contiguous", "0-d"])
def test_relu_keeps_the_memory_order_and_matches_torch(layout, rng):
    """relu takes the maximum against an array of zeros made in the input's memory order,
    and its mask in the forward pass: values and gradients (NaN and -0.0 included) are
    PyTorch's, and a batch-last conv output stays batch-last."""
    if layout == "0-d":
        arr = np.array(-0.0)
    else:
        base = rng.standard_normal((3, 4, 5, 2))
        base[0, 0, 0, :] = [np.nan, -0.0]
        arr = {"batch-last": base.transpose(3, 0, 1, 2), "column-major": base[..., 0].T,
               "contiguous": base}[layout]
    x = ag.tensor(arr, requires_grad=True)
    x._data = arr  # the strided array itself, not a contiguous copy
    y = x.relu()
    if layout == "batch-last":
        assert np.argsort(y._data.strides).tolist() == np.argsort(arr.strides).tolist()
    if layout == "column-major":
        assert y._data.flags.f_contiguous
    g = rng.standard_normal(arr.shape)
    y.backward(ag.tensor(g))
    xt = torch.tensor(arr, requires_grad=True)
    yt = xt.relu()
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(y._data, yt.detach().numpy())
    np.testing.assert_array_equal(x.grad._data, xt.grad.numpy())
