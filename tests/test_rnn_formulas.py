"""The fused recurrent nodes' formula (issue 14/16): under create_graph, ``LSTMLayer``,
``GRULayer`` and ``RNNLayer`` recompute their forward with the unrolled loop
(nn/rnn_loop.py) and the engine differentiates it (nn/functional/_recompute.py).

Checked against PyTorch: second derivatives through stacked, bidirectional layers
(one fused node's formula runs while the nodes below it wait for their turn); an initial
state computed from W_hh itself (the formula owes W_hh its partial derivative only, the
engine adds the path through h_0); hooks upstream run once per pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ag
import nn


def _models(kind: str, **kw):
    tm = getattr(torch.nn, kind)(3, 4, dtype=torch.float64, **kw)
    om = getattr(nn, kind)(3, 4, dtype=ag.float64, **kw)
    om.load_state_dict({k: ag.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    return tm, om


def _layer_nodes(t) -> set[str]:
    names, stack, seen = set(), [t.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(type(node).__name__)
        stack.extend(n for n, _ in node.next_functions)
    return names


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_second_derivatives_through_stacked_fused_layers_match_torch(kind):
    tm, om = _models(kind, num_layers=2, bidirectional=True)
    om.fused = True
    x = np.random.default_rng(3).standard_normal((5, 2, 3))
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(tm(xt)[0].pow(2).sum(), xt, create_graph=True)
    gt.pow(2).sum().backward()
    xo = ag.tensor(x, requires_grad=True)
    out = om(xo)[0]
    assert f"{kind}Layer" in _layer_nodes(out)  # the fused path was taken
    (go,) = ag.grad(out.pow(2).sum(), xo, create_graph=True)
    go.pow(2).sum().backward()
    np.testing.assert_allclose(go.detach().numpy(), gt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(getattr(om, name).grad.numpy(), p.grad.numpy(),
                                   rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_initial_state_made_from_w_hh(kind):
    # h_0 is rows of W_hh: W_hh reaches the layer node twice, as an input and through
    # h_0. The node's formula must give W_hh its own partial derivative only.
    tm, om = _models(kind)
    om.fused = True
    x = np.random.default_rng(4).standard_normal((3, 2, 3))

    def run(model, lib, xs):
        h0 = model.weight_hh_l0[:2].reshape(1, 2, 4)
        hx = (h0, h0 * 0.5) if kind == "LSTM" else h0
        out = model(xs, hx)[0]
        g, gw = lib.autograd.grad(out.pow(2).sum(), (xs, model.weight_hh_l0),
                                  create_graph=True)
        (g.pow(2).sum() + gw.pow(2).sum() + out.sum()).backward()
        return g, gw

    xt = torch.tensor(x, requires_grad=True)
    gt = run(tm, torch, xt)
    xo = ag.tensor(x, requires_grad=True)
    go = run(om, ag, xo)
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(om.weight_hh_l0.grad.numpy(), tm.weight_hh_l0.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_hook_below_the_layer_runs_once_per_pass(kind):
    # The formula's own gradient pass stops at the node's inputs: the graph below them
    # (and its hooks) is backpropagated once, by the pass that called the formula.
    _, om = _models(kind)
    calls = []
    x = ag.tensor(np.random.default_rng(5).standard_normal((3, 2, 3)), requires_grad=True)
    y = x * 2.0
    y.register_hook(lambda g: calls.append(g.detach().numpy().copy()))
    out = om(y)[0]
    (g,) = ag.grad(out.pow(2).sum(), x, create_graph=True)
    assert len(calls) == 1
    np.testing.assert_allclose(g.detach().numpy(), 2.0 * calls[0], rtol=1e-12)
    assert x.grad is None and om.weight_hh_l0.grad is None  # grad() accumulates nothing
