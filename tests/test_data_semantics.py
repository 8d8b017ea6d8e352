"""``Tensor.data`` as in PyTorch: a tensor sharing memory, without history or counting."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ac


@pytest.mark.parametrize("L", [ac, torch], ids=["ours", "torch"])
def test_data_is_a_tensor_sharing_memory_without_history(L):
    w = L.tensor([1.0, 2.0, 4.0], requires_grad=True)
    d = w.data
    assert isinstance(d, L.Tensor)
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 10.0  # a write through .data changes w
    assert w.tolist() == [10.0, 2.0, 4.0]


@pytest.mark.parametrize("L", [ac, torch], ids=["ours", "torch"])
def test_manual_sgd_through_data(L):
    w = L.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data += -0.1 * w.grad.data
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), np.array([1.0, -2.0]) * 0.8**3, rtol=1e-6)


def test_std_of_data_is_unbiased_as_torch():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    ours = ac.tensor(x, requires_grad=True).data.std()
    theirs = torch.tensor(x, requires_grad=True).data.std()
    assert float(ours) == pytest.approx(float(theirs), rel=1e-12)


@pytest.mark.parametrize("L", [ac, torch], ids=["ours", "torch"])
def test_assigning_data_swaps_values_keeps_the_tensor(L):
    w = L.zeros(2, 3, requires_grad=True)
    w.data = L.ones(4)
    assert tuple(w.shape) == (4,) and w.requires_grad and w.is_leaf
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0] * 4
    with pytest.raises(TypeError):
        w.data = [1.0, 2.0]


@pytest.mark.parametrize("L", [ac, torch], ids=["ours", "torch"])
def test_a_write_through_data_is_not_counted(L):
    # The one deliberate way around the in-place check, in both libraries.
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.data.mul_(0.0)
    y.sum().backward()  # no error: exp's saved output was changed behind autograd's back
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("L", [ac, torch], ids=["ours", "torch"])
def test_numpy_style_axis_and_keepdims(L):
    x = L.tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(axis=1, keepdims=True).tolist() == [[3.0], [12.0]]
    assert L.mean(x, axis=0).tolist() == [1.5, 2.5, 3.5]
    assert x.max(axis=1).values.tolist() == [2.0, 5.0]
    assert tuple(x.softmax(axis=0).shape) == (2, 3)
    with pytest.raises(TypeError):
        x.sum(dim=0, axis=1)


def test_size_is_torch_size_like():
    x = ac.ones(2, 3, 4)
    assert repr(x.shape) == repr(torch.ones(2, 3, 4).shape) == "torch.Size([2, 3, 4])"
    assert x.shape == (2, 3, 4) and x.size() == torch.Size([2, 3, 4])
    assert x.shape[1:] == ac.Size([3, 4]) and isinstance(x.shape[1:], ac.Size)
    assert x.shape.numel() == 24 and x.size(1) == 3
    n, c, h = x.shape
    assert (n, c, h) == (2, 3, 4)
