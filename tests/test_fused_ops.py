"""The fused fast paths (linear as one node, cross-entropy as one node) compute the same
function as their compositions of primitives: values, gradients, second derivatives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ag
import nn.functional as F
from nn.functional._cross_entropy_fused import CrossEntropyIndex
from nn.functional.linear import Linear2d


def _composite_ce(x, t, ignore_index, reduction):
    valid = t._data != ignore_index
    safe = np.where(valid, t._data, 0)
    picked = x.log_softmax(1).gather(1, ag.tensor(safe[:, None])).squeeze(1)
    per = -picked * ag.tensor(valid.astype(x._data.dtype))
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    return per.sum() / float(valid.sum())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore", [False, True])
def test_fused_cross_entropy_equals_composite_and_torch(rng, reduction, ignore):
    x_np = rng.standard_normal((7, 5)) * 3
    t_np = rng.integers(0, 5, 7)
    if ignore:
        t_np[[1, 4]] = -100
    x = ag.tensor(x_np, requires_grad=True)
    x2 = ag.tensor(x_np, requires_grad=True)
    t = ag.tensor(t_np)
    fused = F.cross_entropy(x, t, reduction=reduction)
    assert isinstance(fused.grad_fn, CrossEntropyIndex)
    comp = _composite_ce(x2, t, -100, reduction)
    xt = torch.tensor(x_np, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(xt, torch.tensor(t_np), reduction=reduction)
    g = rng.standard_normal(fused.shape)
    fused.backward(ag.tensor(g))
    comp.backward(ag.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(fused._data, comp._data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused._data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad._data, x2.grad._data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore", [False, True])
def test_fused_cross_entropy_second_derivatives(rng, reduction, ignore):
    x = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    t_np = rng.integers(0, 3, 4)
    if ignore:
        t_np[1] = -100
    t = ag.tensor(t_np)
    v = ag.tensor(rng.standard_normal((4, 3)))
    w = ag.tensor(rng.standard_normal(4))

    def scalar(loss):
        return (loss * w).sum() if reduction == "none" else loss

    def hvp(fn):
        (g,) = ag.grad(fn(x), x, create_graph=True)
        (h,) = ag.grad((g * v).sum(), x)
        return h._data

    fused = hvp(lambda z: scalar(F.cross_entropy(z, t, reduction=reduction)))
    comp = hvp(lambda z: scalar(_composite_ce(z, t, -100, reduction)))
    np.testing.assert_allclose(fused, comp, rtol=1e-10, atol=1e-12)
    assert ag.gradcheck(
        lambda z: ag.grad(scalar(F.cross_entropy(z, t, reduction=reduction)), z,
                          create_graph=True)[0], (x,))


def test_fused_cross_entropy_float32_and_all_ignored(rng):
    x = ag.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor(np.array([-100, -100, -100])))
    assert loss.dtype == np.float32 and np.isnan(loss.item())
    loss.backward()
    assert np.array_equal(x.grad._data, np.zeros((3, 4), dtype=np.float32))


@pytest.mark.parametrize("bias", [True, False])
def test_fused_linear_equals_composite_with_second_derivatives(rng, bias):
    xs = [rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)]
    a = [ag.tensor(v, requires_grad=True) for v in xs]
    b = [ag.tensor(v, requires_grad=True) for v in xs]
    out = F.linear(a[0], a[1], a[2] if bias else None)
    assert isinstance(out.grad_fn, Linear2d)
    comp = b[0] @ b[1].mT + (b[2] if bias else 0.0)
    np.testing.assert_allclose(out._data, comp._data, rtol=1e-13)
    g = rng.standard_normal(out.shape)
    out.backward(ag.tensor(g))
    comp.backward(ag.tensor(g))
    for p, q in zip(a if bias else a[:2], b if bias else b[:2]):
        np.testing.assert_allclose(p.grad._data, q.grad._data, rtol=1e-13)
    # Second order through the fused node (create_graph takes its Tensor-op path).
    for p in a:
        p.grad = None
    fn_args = (a[0], a[1], a[2]) if bias else (a[0], a[1])
    assert ag.gradcheck(
        lambda x, w, *bb: ag.grad((F.linear(x, w, *bb) ** 2).sum(), w, create_graph=True)[0],
        fn_args)
