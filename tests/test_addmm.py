"""addmm (beta * input + alpha * mat1 @ mat2, one node) against PyTorch and finite
differences; convolution adds its bias through it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ag


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c_shape", [(), (5,), (1, 5), (3, 1), (3, 5), (1,)])
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1), (1, -0.25)])
def test_addmm_matches_torch(rng, dtype, c_shape, beta, alpha):
    c = rng.standard_normal(c_shape).astype(dtype)
    a = rng.standard_normal((3, 4)).astype(dtype)
    b = rng.standard_normal((4, 5)).astype(dtype)
    g = rng.standard_normal((3, 5)).astype(dtype)
    ours = [ag.tensor(v, requires_grad=True) for v in (c, a, b)]
    ref = [torch.tensor(v, requires_grad=True) for v in (c, a, b)]
    out = ag.addmm(*ours, beta=beta, alpha=alpha)
    out_t = torch.addmm(*ref, beta=beta, alpha=alpha)
    out.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert out.dtype == dtype and out.shape == (3, 5)
    np.testing.assert_allclose(out._data, out_t.detach().numpy(), **tol)
    for o, r in zip(ours, ref):
        np.testing.assert_allclose(o.grad._data, r.grad.numpy(), **tol)


def test_addmm_beta_zero_ignores_nan_input():
    out = ag.addmm(ag.full((2, 2), float("nan")), ag.ones(2, 3), ag.ones(3, 2), beta=0)
    np.testing.assert_array_equal(out._data, np.full((2, 2), 3.0, np.float32))


def test_addmm_method_and_second_derivatives(rng):
    c, a, b = (ag.tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((4,), (2, 3), (3, 4)))
    np.testing.assert_allclose(c.addmm(a, b, beta=2, alpha=3)._data,
                               2 * c._data + 3 * a._data @ b._data, rtol=1e-12)
    assert ag.gradcheck(lambda c, a, b: ag.addmm(c, a, b, beta=0.5, alpha=1.5), (c, a, b))
    # Second order: the backward is made of recorded ops under create_graph.
    assert ag.gradcheck(
        lambda a, b: ag.grad((ag.addmm(c, a, b, alpha=2.0) ** 2).sum(), (a, b),
                             create_graph=True)[0], (a, b))


@pytest.mark.parametrize("call,message", [
    (lambda: ag.addmm(ag.zeros(2), ag.zeros(3), ag.zeros(3, 2)),
     "mat1 must be a matrix, got 1-D tensor"),
    (lambda: ag.addmm(ag.zeros(2), ag.zeros(2, 3), ag.zeros(4, 2)),
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x2\)"),
    (lambda: ag.addmm(ag.zeros(3), ag.zeros(2, 3), ag.zeros(3, 5)),
     r"The expanded size of the tensor \(5\) must match the existing size \(3\) at "
     r"non-singleton dimension 1.  Target sizes: \[2, 5\].  Tensor sizes: \[3\]"),
    (lambda: ag.addmm(ag.zeros(5, dtype=ag.float64), ag.zeros(2, 3), ag.zeros(3, 5)),
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda: ag.addmm(ag.zeros(2, 5, 1), ag.zeros(2, 3), ag.zeros(3, 5)),
     "the number of sizes provided"),
])
def test_addmm_errors_match_torch(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()
