"""The one-node attention's formula (issue 14/16): under create_graph, ``Attention``
recomputes ``composed_attention`` (scaled_dot_product_attention's unfused composition)
from its inputs and the engine differentiates it (nn/functional/_recompute.py).

Checked against PyTorch: self-attention with one tensor as query, key and value (each
input gets its own partial derivative, summed by the engine), to second and third order;
hooks upstream run once per pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

import autograd_core as ag
import nn.functional as F


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_one_tensor_to_third_order(causal):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4))
    w = np.random.default_rng(1).standard_normal((2, 3, 5, 4))

    def run(lib, sdpa, xs):
        out = sdpa(xs, xs, xs, is_causal=causal)
        (g,) = lib.autograd.grad((out * lib.tensor(w)).sum(), xs, create_graph=True)
        (h,) = lib.autograd.grad(g.pow(2).sum(), xs, create_graph=True)
        h.pow(2).sum().backward()
        return out, g, h

    xt = torch.tensor(x, requires_grad=True)
    # torch's math kernel: its fused CPU kernel has no second derivative
    with sdpa_kernel(SDPBackend.MATH):
        want = run(torch, torch.nn.functional.scaled_dot_product_attention, xt)
    xo = ag.tensor(x, requires_grad=True)
    got = run(ag, F.scaled_dot_product_attention, xo)
    assert type(got[0].grad_fn).__name__ == "Attention"  # the one-node path was taken
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_hook_below_attention_runs_once_per_pass():
    calls = []
    x = ag.tensor(np.random.default_rng(2).standard_normal((2, 4, 3)), requires_grad=True)
    y = x * 3.0
    y.register_hook(lambda g: calls.append(g.detach().numpy().copy()))
    out = F.scaled_dot_product_attention(y, y, y)
    assert type(out.grad_fn).__name__ == "Attention"
    (g,) = ag.grad(out.pow(2).sum(), x, create_graph=True)
    assert len(calls) == 1
    np.testing.assert_allclose(g.detach().numpy(), 3.0 * calls[0], rtol=1e-12)
